"""`classify_intent`: what does the customer want, merged with what we were waiting for.

A bare answer ("1001", an e-mail) only makes sense with the request that asked for it, so
this node folds it into the pending request instead of treating it as a new one.
"""

from __future__ import annotations

import re
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime

from agent.brains.rules.normalize import fold_accents
from agent.context import Context
from agent.state import AgentState, Request
from agent.understanding import Intent, Understanding

ORDER_INTENTS: frozenset[Intent] = frozenset(
    {"order_status", "tracking", "payment", "refund", "cancel", "exchange_return"}
)


_NAMED_DEPARTMENTS = {
    "financeiro": re.compile(r"\bfinanceir[oa]\b"),
    "logistica": re.compile(r"\blogistica\b|\bsetor de entregas?\b|\bexpedicao\b"),
    "trocas": re.compile(r"\b(?:setor|time|equipe|pessoal|departamento) de trocas?\b"),
}


def named_department(text: str) -> str | None:
    """The department a customer asks for by name ("quero falar com o financeiro")."""
    folded = fold_accents(text.lower())
    for key, pattern in _NAMED_DEPARTMENTS.items():
        if pattern.search(folded):
            return key
    return None


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
    elif intents == ["provide_info"] and entities.get("tracking_code"):
        intents = ["tracking"]  # a code on its own asks where that package is
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
        named = named_department(_latest_text(state))
        update["handoff_reason"] = f"human_request:{named}" if named else "human_request"
    elif understanding.source == "fallback" and understanding.intent == "other":
        # The model failed and the rules cannot tell what this is: a person answers.
        update["handoff_reason"] = "unresolved"
    return update
