"""Shared fixtures: a graph on a fresh in-memory saver and a context on the demo store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from agent.context import Context
from agent.graph import AgentGraph, build_graph
from agent.settings import Settings
from agent.state import Inbound
from agent.turn import TurnResult, run_turn
from server.wiring import open_context
from tests.support import ANA, OFFICE_HOURS, Say
from tools.departments import InMemoryTicketStore


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
