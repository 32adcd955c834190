"""Fixtures: the openai brain wired to the scripted OpenAI-compatible server (a plugin)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import replace

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from agent.context import Context
from agent.graph import AgentGraph, build_graph
from agent.state import Inbound
from agent.turn import TurnResult, run_turn
from composition.settings import Settings
from composition.wiring import build_brain, open_context
from evals.scripted_model import BASE_URL, ScriptedModel
from tests.support import ANA, OFFICE_HOURS, Say
from tools.departments import InMemoryTicketStore

MakeSettings = Callable[..., Settings]


@pytest.fixture
def scripted() -> ScriptedModel:
    return ScriptedModel()


@pytest.fixture
def llm_settings() -> MakeSettings:
    def make(**overrides: object) -> Settings:
        base: dict[str, object] = {
            "brain": "openai",
            "openai_base_url": BASE_URL,
            "llm_timeout_seconds": 5.0,
            "llm_max_retries": 2,
        }
        return Settings(_env_file=None, **{**base, **overrides})  # type: ignore[arg-type]

    return make


@pytest.fixture
async def llm_context(
    scripted: ScriptedModel, llm_settings: MakeSettings, request: pytest.FixtureRequest
) -> AsyncIterator[Context]:
    """The demo store with the openai brain.

    Settings overrides come by indirect parametrisation:
    `@pytest.mark.parametrize("llm_context", [{"rules_confidence": 1.01}], indirect=True)`.
    """
    overrides = getattr(request, "param", {}) or {}
    settings = llm_settings(**overrides)
    async with scripted.client() as http:
        brain = build_brain(settings, llm_http_client=http)
        async with open_context(settings, tickets=InMemoryTicketStore(), brain=brain) as opened:
            yield replace(opened, clock=lambda: OFFICE_HOURS)


@pytest.fixture
def llm_graph() -> AgentGraph:
    return build_graph(InMemorySaver())


@pytest.fixture
def llm_say(llm_graph: AgentGraph, llm_context: Context) -> Say:
    async def send(text: str, phone: str = ANA, **extra: str | None) -> TurnResult:
        inbound = Inbound(sender_id=phone.lstrip("+"), phone=phone, text=text)
        inbound.update(extra)  # type: ignore[typeddict-item]
        return await run_turn(llm_graph, llm_context, inbound)

    return send
