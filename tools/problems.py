"""The customer's problem, beside the intent: what went wrong, who fixes it, how urgent.

"Veio faltando um item" and "veio quebrado" are both exchanges, but a good attendant
answers each one differently and the team that picks the ticket up wants to know which.
Each problem type is one entry of `PROBLEMS`: its handoff reason (and so its department),
its priority and what the staff read; how the bot acknowledges it to the customer is in the
store's templates (`problems.<type>` in `agent/store_voice/pt_BR.toml`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeGuard, get_args

from tools.handoff_reasons import HandoffReason

ProblemType = Literal[
    "missing_item",
    "wrong_item",
    "damaged",
    "counterfeit",
    "delivered_not_received",
    "late",
    "charged_not_confirmed",
    "cancelled_not_refunded",
    "no_response",
    "legal_threat",
]
PROBLEM_TYPES: tuple[ProblemType, ...] = get_args(ProblemType)

Priority = Literal["normal", "high", "urgent"]

NAMED = 0.9
"""From this confidence on, the bot names the problem ("veio faltando item") and counts it."""
LIKELY = 0.5
"""From this confidence on, the problem is acted on: a message that only describes it asks
what the problem implies, and tickets carry it."""
SUSPECTED = 0.3
"""From this confidence on, the reply opens with sympathy, without naming the detail."""
COMPLAINING = 0.5
"""From this probability that the message reports some problem, whichever it is, the reply
opens with sympathy."""


@dataclass(frozen=True, slots=True)
class ProblemSpec:
    """How one kind of problem is routed, ranked and acknowledged."""

    reason: HandoffReason
    """The handoff it leads to when a person must act."""
    priority: Priority
    staff_text: str
    """What the department reads on the ticket (pt-BR)."""
    person_now: bool = False
    """True when the conversation goes to a person at once, whatever the intent."""


PROBLEMS: dict[ProblemType, ProblemSpec] = {
    "missing_item": ProblemSpec(
        HandoffReason.EXCHANGE_RETURN,
        "high",
        "item ou peça faltando no pedido",
    ),
    "wrong_item": ProblemSpec(
        HandoffReason.EXCHANGE_RETURN,
        "high",
        "produto diferente do comprado (tamanho, cor ou modelo)",
    ),
    "damaged": ProblemSpec(
        HandoffReason.EXCHANGE_RETURN,
        "high",
        "produto danificado ou com defeito",
    ),
    "counterfeit": ProblemSpec(
        HandoffReason.EXCHANGE_RETURN,
        "urgent",
        "cliente diz que o produto não é original",
    ),
    "delivered_not_received": ProblemSpec(
        HandoffReason.DELIVERY_PROBLEM,
        "urgent",
        "consta entregue, mas o cliente diz que não recebeu",
    ),
    "late": ProblemSpec(
        HandoffReason.DELIVERY_PROBLEM,
        "normal",
        "entrega atrasada ou parada",
    ),
    "charged_not_confirmed": ProblemSpec(
        HandoffReason.PAYMENT_PROBLEM,
        "high",
        "cliente pagou ou foi cobrado, mas o pagamento não aparece confirmado",
    ),
    "cancelled_not_refunded": ProblemSpec(
        HandoffReason.REFUND,
        "high",
        "pedido cancelado sem o estorno do valor",
    ),
    "no_response": ProblemSpec(
        HandoffReason.REPEATED_CONTACT,
        "high",
        "cliente não consegue resposta da loja ou já tentou várias vezes",
    ),
    "legal_threat": ProblemSpec(
        HandoffReason.LEGAL_THREAT,
        "urgent",
        "cliente menciona PROCON, Reclame Aqui, processo ou advogado",
        person_now=True,
    ),
}

SEVERITY: tuple[ProblemType, ...] = (
    "legal_threat",
    "counterfeit",
    "delivered_not_received",
    "cancelled_not_refunded",
    "charged_not_confirmed",
    "missing_item",
    "wrong_item",
    "damaged",
    "late",
    "no_response",
)
"""Most serious first: when a message names several problems, the first one here leads."""


def is_problem(value: object) -> TypeGuard[ProblemType]:
    """Tell whether a stored value names a known problem type."""
    return value in PROBLEMS


def most_serious(found: list[ProblemType]) -> ProblemType | None:
    """The problem that leads among several, or None for none."""
    ranked = sorted(set(found), key=SEVERITY.index)
    return ranked[0] if ranked else None
