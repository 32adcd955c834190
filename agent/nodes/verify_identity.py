"""`verify_identity`: may this customer see the order they ask about?

It applies the ownership rule before any tool runs, asks for what is missing (the order
number, then the purchase e-mail or CPF) and hands off after too many wrong answers.
What it tells the customer never depends on whose order a number is, nor on whether it
exists.
"""

from __future__ import annotations

import logging
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime

from agent.context import Context
from agent.language.entities import without_proofs
from agent.nodes.act import escalation
from agent.state import AgentState, Identity, IdentityCheck, Outcome, Request
from agent.toolkit import as_customer
from integrations.nuvemshop.errors import NuvemshopError

logger = logging.getLogger(__name__)


def _with_proofs(identity: Identity, entities: dict[str, str]) -> Identity:
    """The identity plus any e-mail or CPF given in this message."""
    emails = list(identity.get("emails", []))
    cpfs = list(identity.get("cpfs", []))
    if (email := entities.get("email")) and email not in emails:
        emails.append(email)
    if (cpf := entities.get("cpf")) and cpf not in cpfs:
        cpfs.append(cpf)
    return Identity(
        sender_id=identity["sender_id"], phone=identity.get("phone"), emails=emails, cpfs=cpfs
    )


def _forget_proofs(state: AgentState) -> dict[str, Any]:
    """This turn's message, its understanding and the identity, without the failed proof.

    The turn is checkpointed once, when it ends, so nothing of the proof reaches Redis.
    """
    understanding = dict(state.get("understanding", {}))
    entities = dict(understanding.get("entities", {}))
    entities.pop("email", None)
    entities.pop("cpf", None)
    understanding["entities"] = entities
    inbound = state.get("inbound", {})
    inbound = {**inbound, "text": without_proofs(inbound.get("text", ""))}
    latest = next(
        (m for m in reversed(state.get("messages", [])) if isinstance(m, HumanMessage)), None
    )
    masked = (
        [latest.model_copy(update={"content": without_proofs(latest.content)})]
        if latest is not None and isinstance(latest.content, str)
        else []
    )
    return {
        "identity": state["identity"],
        "understanding": understanding,
        "inbound": inbound,
        "messages": masked,
    }


async def verify_identity(state: AgentState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Check ownership of the requested order and record the verdict in `outcome`."""
    understanding = state.get("understanding", {})
    entities: dict[str, str] = understanding.get("entities", {})
    gave_proof = bool(entities.get("email") or entities.get("cpf"))
    identity = _with_proofs(state["identity"], entities)
    request: Request = state.get("request", {})
    number = request.get("order_number")
    outcome = Outcome(**state.get("outcome", {}))
    waiting = {"pending": request, "awaiting": "identity"}
    settled = {"pending": None, "awaiting": None}

    def verdict(
        result: IdentityCheck, changes: dict[str, Any], attempts_left: int | None = None
    ) -> dict[str, Any]:
        outcome["identity_check"] = result
        if attempts_left is not None:
            outcome["attempts_left"] = attempts_left
        if result not in ("verified", "listing") and "handoff_reason" not in changes:
            # A threat does not wait for proof: a person takes it, shown nothing meanwhile.
            if reason := escalation(state):
                changes = {**settled, "handoff_reason": reason}
        if result in ("mismatch", "locked"):
            # A proof that proved nothing is not kept: a stranger who typed someone's e-mail
            # or CPF must not leave it in this thread's state, nor in its history.
            return {**_forget_proofs(state), "outcome": outcome, **changes}
        return {"identity": identity, "outcome": outcome, **changes}

    if not number:
        if identity["emails"]:
            return verdict("listing", settled)
        return verdict("ask_order_number", {"pending": request, "awaiting": "order_number"})

    if number in (state.get("verified_orders") or []):
        return verdict("verified", settled)

    try:
        lookup = await runtime.context.orders.lookup(number, as_customer(identity))
    except NuvemshopError as error:
        logger.warning("ownership check failed: %s", type(error).__name__)
        return verdict("store_unavailable", {"handoff_reason": "unresolved"})

    # An order that does not exist is treated as one that is not theirs: both ask for the
    # same proof and fail the same way, so numbers cannot be probed for existence.
    if lookup.status == "ok":
        verified = [*(state.get("verified_orders") or []), number]
        return verdict("verified", {**settled, "verified_orders": verified, "failed_attempts": 0})

    invalid = understanding.get("invalid", [])
    if not gave_proof and any(kind in ("email", "cpf") for kind in invalid):
        return verdict("invalid_proof", waiting)
    if not gave_proof:
        return verdict("ask_identity", waiting)

    failures = int(state.get("failed_attempts") or 0) + 1
    allowed = runtime.context.limits.identity_attempts
    if failures >= allowed:
        changes = {**settled, "failed_attempts": failures, "handoff_reason": "identity_failed"}
        return verdict("locked", changes)
    return verdict(
        "mismatch", {**waiting, "failed_attempts": failures}, attempts_left=allowed - failures
    )
