"""`classify_intent`: what does the customer want, merged with what we were waiting for.

A bare answer ("1001", an e-mail) only makes sense with the request that asked for it, so
this node folds it into the pending request; a new question replaces the pending one. A
problem the customer only describes ("veio faltando um item") becomes the request it
implies, and one that needs a person now (a legal threat, a customer nobody answered, a
third complaint) goes straight to one; a threat about a named order first gathers the
order's facts for that person (see `escalation`).
"""

from __future__ import annotations

import re
from typing import Any

from langgraph.runtime import Runtime

from agent.context import Context
from agent.history import latest_customer_text, previous_turn, shown_products, tool_results
from agent.intents import NO_REQUEST, ORDER_INTENTS, PROBLEM_INTENTS
from agent.language.normalize import fold_accents
from agent.state import AgentState, Request
from agent.understanding import Entities, Intent, Understanding
from tools.catalog import is_follow_up
from tools.handoff_reasons import HandoffReason
from tools.problems import LIKELY, NAMED, PROBLEMS, ProblemType

REPEATED_COMPLAINTS = 3
"""The complaint that goes to a person at once, however it is phrased."""

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


def likely_problem(understanding: Understanding) -> ProblemType | None:
    """The customer's problem when it is likely enough to act on."""
    if understanding.problem and understanding.problem_confidence >= LIKELY:
        return understanding.problem
    return None


def _intents(understanding: Understanding) -> list[Intent]:
    """The request's intents; a described problem with no request asks what it implies."""
    intents = list(understanding.intents or [understanding.intent])
    problem = likely_problem(understanding)
    if problem and all(intent in NO_REQUEST for intent in intents):
        return [PROBLEM_INTENTS[problem]]
    return intents


FOLLOW_UP_WORDS = 4
"""A payment word this short after a store answer ("e boleto?") asks about the store too."""


def _store_question(intents: list[Intent], entities: Entities, state: AgentState) -> list[Intent]:
    """Product and store questions the words alone do not show.

    "e no M?" or a product tapped in the list we sent follow the products just shown;
    "e boleto?" after the store's answer about Pix asks how to pay, as "aceitam pix?
    parcelam?" does, which names no order and needs none.
    """
    messages = state.get("messages", [])
    text = latest_customer_text(messages)
    if all(intent in NO_REQUEST for intent in intents) and is_follow_up(
        text, shown_products(messages)
    ):
        return ["product_info"]
    if entities.get("order_number") or state.get("focus_order"):
        return intents
    if intents[:1] == ["store_info"]:
        return [intent for intent in intents if intent != "payment"]
    answered = any(
        result.get("knowledge") == "found"
        for result in tool_results(previous_turn(messages), whole=True)
    )
    if intents == ["payment"] and answered and len(text.split()) <= FOLLOW_UP_WORDS:
        return ["store_info"]
    return intents


def _request(understanding: Understanding, state: AgentState) -> Request:
    """The request to serve this turn: new intents, or the pending one with new answers."""
    intents = _intents(understanding)
    entities = understanding.entities
    intents = _store_question(intents, entities, state)
    pending = state.get("pending")
    if pending and all(intent in NO_REQUEST for intent in intents):
        return Request(
            intents=list(pending.get("intents", [])),
            order_number=entities.get("order_number") or pending.get("order_number"),
            tracking_code=entities.get("tracking_code") or pending.get("tracking_code"),
            problem=likely_problem(understanding) or pending.get("problem"),
        )
    if intents == ["provide_info"] and (entities.get("order_number") or entities.get("email")):
        intents = ["order_status"]
    elif intents == ["provide_info"] and entities.get("tracking_code"):
        intents = ["tracking"]  # a code on its own asks where that package is
    order_number = entities.get("order_number")
    if order_number is None and any(i in ORDER_INTENTS for i in intents):
        order_number = state.get("focus_order")
    return Request(
        intents=intents,
        order_number=order_number,
        tracking_code=entities.get("tracking_code"),
        problem=likely_problem(understanding),
    )


def _handoff_reason(
    understanding: Understanding, request: Request, text: str, complaints: int
) -> str | None:
    """Why this turn goes to a person before anything else, if it does."""
    problem = likely_problem(understanding)
    names_an_order = bool(request.get("order_number")) and any(
        intent in ORDER_INTENTS for intent in request.get("intents", [])
    )
    if problem and PROBLEMS[problem].person_now and not names_an_order:
        return PROBLEMS[problem].reason.value
    if problem and complaints >= REPEATED_COMPLAINTS:
        return HandoffReason.REPEATED_CONTACT.value
    if "human_agent" in request.get("intents", []):
        if problem:  # "ninguém me responde": the problem says why a person is needed
            return PROBLEMS[problem].reason.value
        named = named_department(text)
        reason = HandoffReason.HUMAN_REQUEST.value
        return f"{reason}:{named}" if named else reason
    if understanding.source == "fallback" and understanding.intent == "other":
        # The model failed and the rules cannot tell what this is: a person answers.
        return HandoffReason.UNRESOLVED.value
    return None


async def classify_intent(state: AgentState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Ask the brain what the message means and decide the request for this turn."""
    text = latest_customer_text(state.get("messages", []))
    understanding = await runtime.context.brain.understand(text, awaiting=state.get("awaiting"))
    request = _request(understanding, state)
    named = understanding.problem and understanding.problem_confidence >= NAMED
    complaints = int(state.get("complaints") or 0) + (1 if named else 0)
    update: dict[str, Any] = {
        "understanding": understanding.model_dump(),
        "request": request,
        "complaints": complaints,
        "focus_order": request.get("order_number") or state.get("focus_order"),
    }
    reason = _handoff_reason(understanding, request, text, complaints)
    if reason:
        update["handoff_reason"] = reason
    return update
