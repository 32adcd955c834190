"""Shared fixtures: a graph on a fresh in-memory saver and a context on the demo store."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from redis.asyncio import Redis

from agent.context import Context
from agent.graph import AgentGraph, build_graph
from agent.state import Inbound
from agent.turn import TurnResult, run_turn
from composition.settings import Settings
from composition.wiring import open_context
from integrations.redis.embedded import EmbeddedRedis
from tests.support import ANA, OFFICE_HOURS, Say
from tools.departments import InMemoryTicketStore

pytest_plugins = ["tests.llm_fixtures"]


@pytest.fixture
def settings() -> Settings:
    return Settings(_env_file=None)


@pytest.fixture
def tickets() -> InMemoryTicketStore:
    return InMemoryTicketStore()


@pytest.fixture
async def context(settings: Settings, tickets: InMemoryTicketStore) -> AsyncIterator[Context]:
    async with open_context(settings, tickets=tickets) as opened:
        yield replace(opened, clock=lambda: OFFICE_HOURS)


@pytest.fixture
def graph() -> AgentGraph:
    return build_graph(InMemorySaver())


@pytest.fixture
def say(graph: AgentGraph, context: Context) -> Say:
    async def send(text: str, phone: str = ANA, **extra: str | None) -> TurnResult:
        inbound = Inbound(sender_id=phone.lstrip("+"), phone=phone, text=text)
        inbound.update(extra)  # type: ignore[typeddict-item]
        return await run_turn(graph, context, inbound)

    return send


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The server at REDIS_URL when set, otherwise an embedded one for the whole run."""
    configured = os.environ.get("REDIS_URL")
    if configured:
        yield configured
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def prefix() -> str:
    """A key prefix of this test's own, so tests never touch other data on the server."""
    return f"atendente-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def redis_client(redis_url: str, prefix: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    leftovers = [key async for key in client.scan_iter(match=f"{prefix}*")]
    if leftovers:
        await client.delete(*leftovers)
    await client.aclose()
