"""What the bot says while it checks who the customer is, by the identity check's verdict.

The order number is asked with the reason it is needed; the proof is asked the same way
whether the order is someone else's or does not exist, so neither can be probed.
"""

from __future__ import annotations

from agent.intents import spec
from agent.state import Outcome, Request

ASK_PROOF = (
    "Pra proteger seus dados, preciso confirmar que o pedido *{n}* é seu 🔒 Me informa o "
    "e-mail ou o CPF usado na compra?"
)
INVALID_PROOF = (
    "Hmm, esse e-mail ou CPF parece incompleto 🤔 Confere e me manda de novo? Pode ser o "
    "e-mail ou o CPF usado na compra."
)
MISMATCH = (
    "Não encontrei o pedido *{n}* com esses dados 🤔 Confere o número do pedido e me manda "
    "de novo o e-mail ou o CPF usado na compra? {left}"
)
WHERE_TO_FIND = "Ele aparece no e-mail de confirmação da compra (por exemplo: 1001)."


def attempts_left(left: int) -> str:
    """'Você ainda tem mais 2 tentativas.' with the plural right."""
    if left <= 0:
        return ""
    return f"Você ainda tem mais {left} tentativa{'s' if left > 1 else ''}."


def ask_order_number(request: Request) -> str:
    """Ask for the order number and say why.

    It never opens with "Claro!": to a refund, cancellation or exchange, or to any message
    the bot may have misread as a simpler one, that reads as agreeing to what a person
    has not decided yet.
    """
    intents = request.get("intents", [])
    purpose = next((spec(i).order_purpose for i in intents if spec(i).order_purpose), "")
    why = f", {purpose}" if purpose else ""
    return f"Me passa o número do pedido{why}? {WHERE_TO_FIND}"


def identity_section(outcome: Outcome, request: Request) -> str | None:
    """The paragraph for this turn's identity verdict, if it needs one."""
    check = outcome.get("identity_check")
    number = request.get("order_number") or ""
    if check == "ask_order_number":
        return ask_order_number(request)
    if check == "ask_identity":
        return ASK_PROOF.format(n=number)
    if check == "invalid_proof":
        return INVALID_PROOF
    if check == "mismatch":
        left = int(outcome.get("attempts_left", 1))
        return MISMATCH.format(n=number, left=attempts_left(left)).strip()
    return None
