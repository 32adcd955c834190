"""What the bot says while it checks who the customer is, by the identity check's verdict.

The order number is asked with the reason it is needed; the proof is asked the same way
whether the order is someone else's or does not exist, so neither can be probed.
"""

from __future__ import annotations

from agent.state import Outcome, Request
from agent.store_voice.templates import ReplyTemplates


def attempts_left(left: int, replies: ReplyTemplates) -> str:
    """'Você ainda tem mais 2 tentativas.' with the plural right; '' on the last one."""
    if left <= 0:
        return ""
    if left == 1:
        return replies.text("identity.attempts_left_one")
    return replies.text("identity.attempts_left", left=left)


def ask_order_number(request: Request, replies: ReplyTemplates) -> str:
    """Ask for the order number and say why.

    It never opens with "Claro!": to a refund, cancellation or exchange, or to any message
    the bot may have misread as a simpler one, that reads as agreeing to what a person
    has not decided yet.
    """
    purposes = (f"identity.purpose.{intent}" for intent in request.get("intents", []))
    purpose = next((key for key in purposes if key in replies), None)
    if purpose is None:
        return replies.text("identity.ask_order_number")
    return replies.text("identity.ask_order_number_for", purpose=replies.text(purpose))


def identity_section(outcome: Outcome, request: Request, replies: ReplyTemplates) -> str | None:
    """The paragraph for this turn's identity verdict, if it needs one."""
    check = outcome.get("identity_check")
    number = request.get("order_number") or ""
    if check == "ask_order_number":
        return ask_order_number(request, replies)
    if check == "ask_identity":
        return replies.text("identity.ask_proof", order=number)
    if check == "invalid_proof":
        return replies.text("identity.invalid_proof")
    if check == "mismatch":
        left = attempts_left(int(outcome.get("attempts_left", 1)), replies)
        return replies.text("identity.mismatch", order=number, attempts=left).strip()
    return None
