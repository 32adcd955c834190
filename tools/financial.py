"""Payment status and what the customer can do about it, for their own order.

Refunds are never granted here: a refund request becomes a handoff to `financeiro`, so
the bot cannot promise money back that a person has not approved.
"""

from __future__ import annotations

from typing import Any, Literal

from integrations.nuvemshop.models import Order

PaymentAction = Literal[
    "none", "pay_boleto", "pay_pix", "pay_link", "pay_rest", "wait_card_approval", "checkout_again"
]


def _action(order: Order) -> PaymentAction:
    """What the customer should do next to get the order paid."""
    status = order.payment_status
    method = order.payment_method
    if status == "pending":
        if method == "boleto":
            return "pay_boleto"
        if method == "pix":
            return "pay_pix"
        if order.gateway_link:
            return "pay_link"
        return "wait_card_approval"
    if status == "partially_paid":
        return "pay_rest"
    if status == "authorized":
        return "wait_card_approval"
    if status in ("abandoned", "voided"):
        return "checkout_again"
    return "none"


def payment_info(order: Order) -> dict[str, Any]:
    """Payment status, method and next step (with the payment link) for the order's owner."""
    action = _action(order)
    link = (
        order.gateway_link if action in ("pay_boleto", "pay_pix", "pay_link", "pay_rest") else None
    )
    return {
        "order_number": str(order.number),
        "payment_status": order.payment_status,
        "payment_method": order.payment_method,
        "total": str(order.total) if order.total is not None else None,
        "paid_at": order.paid_at.isoformat() if order.paid_at else None,
        "action": action,
        "payment_link": link,
    }


def refund_request(order: Order) -> dict[str, Any]:
    """Decide what a refund request for this order becomes.

    Already refunded orders get the fact; every other request goes to `financeiro`.
    """
    if order.payment_status == "refunded":
        return {"order_number": str(order.number), "refund": "already_refunded"}
    if order.payment_status in ("pending", "abandoned", "voided"):
        return {"order_number": str(order.number), "refund": "nothing_paid"}
    return {"order_number": str(order.number), "refund": "handoff", "handoff": "refund"}
