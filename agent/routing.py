"""Routers: the conditional edges of the graph.

Each returns a `Literal` naming the next nodes, so the type documents the edges and the
graph drawing shows every branch; LangGraph reads it from the coroutine's annotation.
They are coroutines because LangGraph hands a plain function to a thread pool on every
call, a thread hop per routing decision (six in an order question); a coroutine runs where
the turn already is, and routers are pure and take microseconds.
"""

from __future__ import annotations

from typing import Literal

from langchain_core.messages import AIMessage

from agent.intents import ORDER_INTENTS, QUESTION_INTENTS
from agent.state import AgentState


async def after_guard(state: AgentState) -> Literal["human_mode", "classify_intent", "reply"]:
    """Humans own handed-off threads; empty and media-only turns need no classification."""
    if state.get("handoff"):
        return "human_mode"
    outcome = state.get("outcome", {})
    if outcome.get("empty") or (outcome.get("media") and not state["inbound"].get("text")):
        return "reply"
    return "classify_intent"


async def after_classify(
    state: AgentState,
) -> Literal["handoff", "verify_identity", "act", "reply"]:
    """Order questions go through identity; a typed tracking code and store questions do not."""
    if state.get("handoff_reason"):
        return "handoff"
    request = state.get("request", {})
    intents = request.get("intents", [])
    needs_order = [intent for intent in intents if intent in ORDER_INTENTS]
    if (
        needs_order == ["tracking"]
        and request.get("tracking_code")
        and not request.get("order_number")
    ):
        return "act"
    if needs_order:
        return "verify_identity"
    if any(intent in QUESTION_INTENTS for intent in intents):
        return "act"  # product and store questions read the catalog and knowledge, no identity
    return "reply"


async def after_verify(state: AgentState) -> Literal["act", "handoff", "reply"]:
    """Only a verified customer (or one listing their own orders) reaches the tools."""
    if state.get("handoff_reason"):
        return "handoff"
    check = state.get("outcome", {}).get("identity_check")
    if check in ("verified", "listing"):
        return "act"
    return "reply"


async def after_act(state: AgentState) -> Literal["tools", "handoff", "reply"]:
    """Run the tool calls just chosen; otherwise hand off or answer."""
    messages = state.get("messages", [])
    last = messages[-1] if messages else None
    if isinstance(last, AIMessage) and last.tool_calls:
        return "tools"
    if state.get("handoff_reason"):
        return "handoff"
    return "reply"
