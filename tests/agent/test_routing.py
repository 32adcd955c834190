from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from agent.routing import after_act, after_classify, after_guard, after_verify
from agent.state import AgentState


def state(**fields: Any) -> AgentState:
    base: dict[str, Any] = {"inbound": {"text": "oi", "sender_id": "1"}, "messages": []}
    return AgentState(**{**base, **fields})  # type: ignore[typeddict-item]


async def test_after_guard() -> None:
    assert await after_guard(state()) == "classify_intent"
    handoff = {"department": "financeiro", "ticket": "ATD-1", "reason": "refund"}
    assert await after_guard(state(handoff=handoff)) == "human_mode"
    assert await after_guard(state(outcome={"empty": True})) == "reply"
    media = state(inbound={"text": "", "sender_id": "1"}, outcome={"media": "image"})
    assert await after_guard(media) == "reply"
    captioned = state(
        inbound={"text": "veio rasgado", "sender_id": "1"}, outcome={"media": "image"}
    )
    assert await after_guard(captioned) == "classify_intent"


@pytest.mark.parametrize(
    ("request_", "reason", "expected"),
    [
        ({"intents": ["order_status"], "order_number": "1001"}, None, "verify_identity"),
        ({"intents": ["payment"]}, None, "verify_identity"),
        ({"intents": ["tracking"], "tracking_code": "AA123456785BR"}, None, "act"),
        (
            {"intents": ["tracking"], "tracking_code": "AA123456785BR", "order_number": "1"},
            None,
            "verify_identity",
        ),
        ({"intents": ["greeting"]}, None, "reply"),
        ({"intents": ["store_info", "thanks"]}, None, "act"),
        ({"intents": ["product_info"]}, None, "act"),
        ({"intents": ["thanks"]}, None, "reply"),
        ({"intents": ["human_agent"]}, "human_request", "handoff"),
    ],
)
async def test_after_classify(request_: dict[str, Any], reason: str | None, expected: str) -> None:
    assert await after_classify(state(request=request_, handoff_reason=reason)) == expected


@pytest.mark.parametrize(
    ("check", "reason", "expected"),
    [
        ("verified", None, "act"),
        ("listing", None, "act"),
        ("ask_identity", None, "reply"),
        ("mismatch", None, "reply"),
        ("invalid_proof", None, "reply"),
        ("locked", "identity_failed", "handoff"),
        ("store_unavailable", "unresolved", "handoff"),
    ],
)
async def test_after_verify(check: str, reason: str | None, expected: str) -> None:
    assert (
        await after_verify(state(outcome={"identity_check": check}, handoff_reason=reason))
        == expected
    )


async def test_after_act() -> None:
    call = AIMessage(content="", tool_calls=[{"name": "get_order", "args": {}, "id": "c1"}])
    assert await after_act(state(messages=[HumanMessage("oi"), call])) == "tools"
    done = [HumanMessage("oi"), call, ToolMessage(content="{}", tool_call_id="c1")]
    assert await after_act(state(messages=done)) == "reply"
    assert await after_act(state(messages=done, handoff_reason="refund")) == "handoff"
