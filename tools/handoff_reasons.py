"""Why a conversation goes to a person: one enum, with its department and the staff's words.

Routing (the default department) and the staff's notice read from `REASONS`, so adding a
reason is one entry here and a test fails when an entry is missing; what the customer is
told is the store's templates' `handoff.intro.<reason>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class HandoffReason(StrEnum):
    """Every reason the bot hands a conversation to a human department."""

    REFUND = "refund"
    PAYMENT_PROBLEM = "payment_problem"
    DELIVERY_PROBLEM = "delivery_problem"
    EXCHANGE_RETURN = "exchange_return"
    CANCEL_SHIPPED = "cancel_shipped"
    CANCEL_UNSHIPPED = "cancel_unshipped"
    HUMAN_REQUEST = "human_request"
    IDENTITY_FAILED = "identity_failed"
    UNRESOLVED = "unresolved"
    LEGAL_THREAT = "legal_threat"
    REPEATED_CONTACT = "repeated_contact"


@dataclass(frozen=True, slots=True)
class ReasonSpec:
    """How one handoff reason is routed and told."""

    department: str
    """The department that takes it unless the store's routing says otherwise."""
    staff_text: str
    """What the department reads on the notice (pt-BR)."""


REASONS: dict[HandoffReason, ReasonSpec] = {
    HandoffReason.REFUND: ReasonSpec(
        "financeiro",
        "pedido de reembolso",
    ),
    HandoffReason.PAYMENT_PROBLEM: ReasonSpec(
        "financeiro",
        "problema no pagamento",
    ),
    HandoffReason.DELIVERY_PROBLEM: ReasonSpec(
        "logistica",
        "problema na entrega",
    ),
    HandoffReason.EXCHANGE_RETURN: ReasonSpec(
        "trocas",
        "troca ou devolução",
    ),
    HandoffReason.CANCEL_SHIPPED: ReasonSpec(
        "trocas",
        "cancelamento de pedido já enviado",
    ),
    HandoffReason.CANCEL_UNSHIPPED: ReasonSpec(
        "atendimento",
        "cancelamento de pedido",
    ),
    HandoffReason.HUMAN_REQUEST: ReasonSpec(
        "atendimento", "cliente pediu para falar com uma pessoa"
    ),
    HandoffReason.IDENTITY_FAILED: ReasonSpec(
        "atendimento",
        "não foi possível confirmar a identidade do cliente",
    ),
    HandoffReason.UNRESOLVED: ReasonSpec(
        "atendimento",
        "o robô não conseguiu resolver",
    ),
    HandoffReason.LEGAL_THREAT: ReasonSpec(
        "atendimento",
        "cliente menciona PROCON, Reclame Aqui ou processo",
    ),
    HandoffReason.REPEATED_CONTACT: ReasonSpec(
        "atendimento",
        "cliente diz que não consegue resposta ou já entrou em contato várias vezes",
    ),
}

DEFAULT_ROUTING: dict[str, str] = {
    reason.value: spec.department for reason, spec in REASONS.items()
}
"""Reason -> department, the default of the store's `ATENDENTE_HANDOFF_ROUTING`."""


def base_reason(reason: str) -> str:
    """The reason without a named department ("human_request:financeiro" -> "human_request")."""
    return reason.partition(":")[0]


def spec_of(reason: str) -> ReasonSpec | None:
    """The spec of a stored reason string, or None for one this version does not know."""
    try:
        return REASONS[HandoffReason(base_reason(reason))]
    except ValueError:
        return None
