"""Accounting of every model request, the prompt version, and bounded prompts."""

from __future__ import annotations

from typing import Any

import pytest

from agent.accounting import LLMPrice, cost_usd
from agent.graph import AgentGraph
from agent.prompts import prompt_version
from agent.turn import thread_config
from composition.settings import DEFAULT_LLM_PRICES
from evals.scripted_model import ScriptedModel
from tests.support import ANA, Say

HYBRID_OFF = {"rules_confidence": 1.01}
CONVERSATION = [
    "sobre o 1001, alguma novidade?",
    "e o pagamento dele, ja caiu?",
    "valeu!",
    "me passa o rastreio de novo por favor",
]


def _usage_from_server(scripted: ScriptedModel) -> tuple[int, int]:
    """What the server billed: prompt and completion tokens of every completion it sent."""
    return scripted.billed_prompt_tokens, scripted.billed_completion_tokens


@pytest.mark.parametrize("llm_context", [HYBRID_OFF], indirect=True)
async def test_every_request_is_counted_with_tokens_cost_and_latency(
    llm_say: Say, scripted: ScriptedModel, llm_graph: AgentGraph
) -> None:
    result = await llm_say(CONVERSATION[0])

    prompt, completion = _usage_from_server(scripted)
    assert result.llm["calls"] == len(scripted.requests)
    assert result.llm["prompt_tokens"] == prompt
    assert result.llm["completion_tokens"] == completion
    assert result.llm["cost_usd"] == pytest.approx(
        cost_usd(DEFAULT_LLM_PRICES, "gpt-4o", prompt, completion), rel=1e-6
    )
    assert all(call["seconds"] > 0 for call in result.llm["log"])
    assert result.llm["model"] == "gpt-4o"
    assert result.llm["prompt_version"] == prompt_version()

    state = (await llm_graph.aget_state(thread_config(ANA.lstrip("+")))).values
    assert state["llm"]["calls"] == result.llm["calls"]
    assert state["llm"]["prompt_version"] == prompt_version()
    assert "log" not in state["llm"]


def test_a_dated_snapshot_is_priced_as_its_family_and_an_unknown_model_as_free() -> None:
    prices = {"gpt-4o": LLMPrice(input=2.5, output=10), "gpt-4o-mini": LLMPrice(input=1, output=1)}
    assert cost_usd(prices, "gpt-4o-2024-08-06", 1_000_000, 0) == 2.5
    assert cost_usd(prices, "gpt-4o-mini-2024-07-18", 0, 1_000_000) == 1
    assert cost_usd(prices, "llama3.1:8b", 1000, 1000) == 0


def _tool_pairs_are_intact(body: dict[str, Any]) -> bool:
    called: set[str] = set()
    for message in body.get("messages", []):
        for call in message.get("tool_calls") or []:
            called.add(call["id"])
        if message.get("role") == "tool" and message.get("tool_call_id") not in called:
            return False
    return True


@pytest.mark.parametrize("llm_context", [HYBRID_OFF], indirect=True)
async def test_prompt_tokens_stay_bounded_and_tool_results_stay_paired(
    llm_say: Say, scripted: ScriptedModel
) -> None:
    tokens_at: dict[int, int] = {}
    for turn in range(1, 51):
        result = await llm_say(CONVERSATION[(turn - 1) % len(CONVERSATION)])
        tokens_at[turn] = result.llm["prompt_tokens"]

    assert tokens_at[50] <= 1.5 * tokens_at[10]
    assert all(_tool_pairs_are_intact(body) for body in scripted.requests)
    assert any(m.get("role") == "tool" for body in scripted.requests for m in body["messages"])
