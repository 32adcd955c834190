"""How a reply opens: a greeting, the customer's problem acknowledged, an apology.

A good attendant names the problem before asking for anything ("Poxa, sinto muito que veio
faltando item!"), apologises to an upset customer, and never opens a reply to a refund,
cancellation or exchange with "Claro!", which reads as agreeing to what a person has not
decided yet.
"""

from __future__ import annotations

from agent.state import AgentState
from agent.store_voice.templates import ReplyTemplates
from agent.understanding import Understanding
from tools.problems import COMPLAINING, NAMED, SUSPECTED


def understanding_of(state: AgentState) -> Understanding | None:
    """This turn's understanding, when the turn was classified."""
    raw = state.get("understanding") or {}
    return Understanding.model_validate(raw) if raw else None


def acknowledgement(state: AgentState, replies: ReplyTemplates) -> str | None:
    """The opening that names the problem or apologises, when this message calls for one.

    A variant is chosen by the message's text: the same message always opens the same way,
    and different messages vary.
    """
    understanding = understanding_of(state)
    if understanding is None:
        return None
    seed = state["inbound"].get("text") or ""
    problem, confidence = understanding.problem, understanding.problem_confidence
    if problem and confidence >= NAMED:
        return replies.pick(f"problems.{problem}.named", seed)
    if problem and confidence >= SUSPECTED:
        return replies.text(f"problems.{problem}.likely")
    if understanding.complaint >= COMPLAINING:
        return replies.text("opening.sympathy")
    if understanding.upset:
        return replies.pick("opening.apologies", seed)
    return None


def salutation(name: str | None, replies: ReplyTemplates) -> str:
    """The short hello that opens a first reply with content: 'Oi, Ana!'."""
    return (
        replies.text("greeting.hello_named", name=name) if name else replies.text("greeting.hello")
    )


def greeting(store_name: str, name: str | None, replies: ReplyTemplates, *, first: bool) -> str:
    """'Oi, Ana! 👋 Aqui é o atendimento da Loja Aurora. Como posso te ajudar?'."""
    hello = salutation(name, replies)
    if not first:
        return replies.text("greeting.again", hello=hello)
    return replies.text("greeting.first", hello=hello, store_name=store_name)
