"""How a reply opens: a greeting, the customer's problem acknowledged, an apology.

A good attendant names the problem before asking for anything ("Poxa, sinto muito que veio
faltando item!"), apologises to an upset customer, and never opens a reply to a refund,
cancellation or exchange with "Claro!", which reads as agreeing to what a person has not
decided yet.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from agent.state import AgentState
from agent.understanding import Understanding
from tools.problems import COMPLAINING, NAMED, PROBLEMS, SUSPECTED, SYMPATHY

APOLOGIES = (
    "Sinto muito pelo transtorno, vou te ajudar com isso.",
    "Peço desculpas pela situação, vamos resolver isso juntos.",
    "Poxa, sinto muito por isso! Vou te ajudar.",
)
"""For an upset customer whose message names no specific problem."""


def pick(options: Sequence[str], seed: str) -> str:
    """One of `options`, the same for the same message and varied across messages."""
    digest = hashlib.sha256(seed.encode()).digest()
    return options[digest[0] % len(options)]


def understanding_of(state: AgentState) -> Understanding | None:
    """This turn's understanding, when the turn was classified."""
    raw = state.get("understanding") or {}
    return Understanding.model_validate(raw) if raw else None


def acknowledgement(state: AgentState) -> str | None:
    """The opening that names the problem or apologises, when this message calls for one."""
    understanding = understanding_of(state)
    if understanding is None:
        return None
    seed = state["inbound"].get("text") or ""
    problem, confidence = understanding.problem, understanding.problem_confidence
    if problem and confidence >= NAMED:
        return pick(PROBLEMS[problem].acknowledgements, seed)
    if problem and confidence >= SUSPECTED:
        return PROBLEMS[problem].general
    if understanding.complaint >= COMPLAINING:
        return SYMPATHY
    if understanding.upset:
        return pick(APOLOGIES, seed)
    return None


def greeting(store_name: str, name: str | None, *, first: bool) -> str:
    """'Oi, Ana! 👋 Aqui é o atendimento da Loja Aurora. Como posso te ajudar?'."""
    hello = f"Oi, {name}!" if name else "Oi!"
    if not first:
        return f"{hello} 👋 Como posso te ajudar?"
    return f"{hello} 👋 Aqui é o atendimento da {store_name}. Como posso te ajudar?"


def salutation(name: str | None) -> str:
    """The short hello that opens a first reply with content: 'Oi, Ana!'."""
    return f"Oi, {name}!" if name else "Oi!"
