"""`classify_intent`: what does the customer want, merged with what we were waiting for.

A bare answer ("1001", an e-mail) only makes sense with the request that asked for it, so
this node folds it into the pending request instead of treating it as a new one.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime

from agent.context import Context
from agent.state import AgentState, Request
from agent.understanding import Intent, Understanding

ORDER_INTENTS: frozenset[Intent] = frozenset(
    {"order_status", "tracking", "payment", "refund", "cancel", "exchange_return"}
)


def _latest_text(state: AgentState) -> str:
    for message in reversed(state.get("messages", [])):
        if isinstance(message, HumanMessage):
            return str(message.content)
    return ""


def _request(understanding: Understanding, state: AgentState) -> Request:
    """The request to serve this turn: new intents, or the pending one with new answers."""
    intents = list(understanding.intents or [understanding.intent])
    entities = understanding.entities
    pending = state.get("pending")
    asks_something = any(i in ORDER_INTENTS or i == "human_agent" for i in intents)
    if pending and not asks_something:
        return Request(
            intents=list(pending.get("intents", [])),
            order_number=entities.get("order_number") or pending.get("order_number"),
            tracking_code=entities.get("tracking_code") or pending.get("tracking_code"),
        )
    if intents == ["provide_info"] and (entities.get("order_number") or entities.get("email")):
        intents = ["order_status"]
    order_number = entities.get("order_number")
    if order_number is None and any(i in ORDER_INTENTS for i in intents):
        verified = state.get("verified_orders") or []
        order_number = verified[-1] if verified else None
    return Request(
        intents=intents, order_number=order_number, tracking_code=entities.get("tracking_code")
    )


async def classify_intent(state: AgentState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Ask the brain what the message means and decide the request for this turn."""
    understanding = await runtime.context.brain.understand(
        _latest_text(state), awaiting=state.get("awaiting")
    )
    request = _request(understanding, state)
    update: dict[str, Any] = {
        "understanding": understanding.model_dump(),
        "request": request,
    }
    if "human_agent" in request.get("intents", []):
        update["handoff_reason"] = "human_request"
    elif understanding.source == "fallback" and understanding.intent == "other":
        # The model failed and the rules cannot tell what this is: a person answers.
        update["handoff_reason"] = "unresolved"
    return update
