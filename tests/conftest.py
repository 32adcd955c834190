"""Shared fixtures: a graph on a fresh in-memory saver and a context on the demo store."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from agent.context import Context
from agent.graph import AgentGraph, build_graph
from agent.state import Inbound
from agent.turn import TurnResult, run_turn
from composition.settings import Settings
from composition.wiring import open_context
from integrations.redis.client import RedisClient
from integrations.redis.embedded import EmbeddedRedis
from integrations.redis.local_cluster import LocalCluster, LocalClusterError
from tests.support import ANA, OFFICE_HOURS, Say
from tools.departments import InMemoryTicketStore

pytest_plugins = ["tests.llm_fixtures", "tests.nuvemshop_fixtures"]


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


ON_CLUSTER = os.environ.get("REDIS_CLUSTER", "").lower() in {"1", "true", "yes"}
"""With REDIS_CLUSTER=true (`make cluster`) the Redis-backed tests run on a local cluster."""


@pytest.fixture(scope="session")
def redis_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The server at REDIS_URL when set, otherwise an embedded one (or cluster) for the run."""
    configured = os.environ.get("REDIS_URL")
    if configured:
        yield configured
        return
    if ON_CLUSTER:
        yield request.getfixturevalue("cluster_url")
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def cluster_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One node's URL of a three-master Redis Cluster started on loopback for the whole run.

    Skips (with the reason) only where no server binary can form a cluster; `make test`
    runs on machines where one can.
    """
    try:
        cluster = LocalCluster(tmp_path_factory.mktemp("cluster")).start()
    except LocalClusterError as error:
        pytest.skip(f"no local Redis Cluster: {error}")
    try:
        yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture
def prefix() -> str:
    """A key prefix of this test's own, so tests never touch other data on the server."""
    return f"atendente-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def redis_client(redis_url: str, prefix: str) -> AsyncIterator[RedisClient]:
    client = connect(redis_url)
    yield client
    await _drop_keys(client, prefix)


@pytest.fixture(params=["single", "cluster"])
async def each_redis(
    request: pytest.FixtureRequest, redis_url: str, prefix: str
) -> AsyncIterator[RedisClient]:
    """The test runs twice: on one Redis server, then on a three-master Redis Cluster."""
    client: RedisClient
    if request.param == "cluster":
        client = RedisCluster.from_url(request.getfixturevalue("cluster_url"))
    else:
        client = connect(redis_url)
    yield client
    await _drop_keys(client, prefix)


def connect(url: str) -> RedisClient:
    """A client of the kind this run's Redis needs: a cluster client on a cluster run."""
    return RedisCluster.from_url(url) if ON_CLUSTER else Redis.from_url(url)


async def _drop_keys(client: RedisClient, prefix: str) -> None:
    """Delete what a test left under its prefix (on every node of a cluster), then close."""
    leftovers = [key async for key in client.scan_iter(match=f"{prefix}*")]
    for key in leftovers:
        await client.delete(key)
    await client.aclose()
