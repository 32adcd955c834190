"""Customer-safe summaries of an order, the only order data a brain ever sees.

A summary holds what its owner needs to follow the order, and nothing of the store's
internals; the caller must have checked ownership before building one.
"""

from __future__ import annotations

from typing import Any, Literal

from integrations.nuvemshop.models import Order

Stage = Literal[
    "cancelled", "awaiting_payment", "payment_failed", "preparing", "shipped", "delivered"
]

_SHIPPED = {"shipped", "fulfilled", "partially_fulfilled"}
_DELIVERED = {"delivered"}
_UNPAID = {"pending", "partially_paid", "authorized", "abandoned"}
_PAYMENT_FAILED = {"voided"}


def order_stage(order: Order) -> Stage:
    """Reduce Nuvemshop's three status fields to the one stage a customer cares about."""
    if order.status == "cancelled":
        return "cancelled"
    shipping = (order.shipping_status or "").lower()
    if shipping in _DELIVERED:
        return "delivered"
    if shipping in _SHIPPED:
        return "shipped"
    if order.payment_status in _PAYMENT_FAILED:
        return "payment_failed"
    if order.payment_status in _UNPAID:
        return "awaiting_payment"
    return "preparing"


def first_name(order: Order) -> str | None:
    """The owner's first name, to greet them by it."""
    name = (order.contact_name or "").strip()
    return name.split()[0].title() if name else None


def order_summary(order: Order) -> dict[str, Any]:
    """Summarise an order its owner asked about."""
    return {
        "order_number": str(order.number),
        "stage": order_stage(order),
        "status": order.status,
        "payment_status": order.payment_status,
        "shipping_status": order.shipping_status,
        "payment_method": order.payment_method,
        "customer_first_name": first_name(order),
        "items": [{"name": item.name, "quantity": item.quantity} for item in order.products],
        "total": str(order.total) if order.total is not None else None,
        "currency": order.currency,
        "created_at": order.created_at.isoformat() if order.created_at else None,
        "tracking_code": order.shipping_tracking_number or None,
        "tracking_url": order.shipping_tracking_url or None,
        "shipping_min_days": order.shipping_min_days,
        "shipping_max_days": order.shipping_max_days,
        "pickup_at": pickup_place(order),
    }


def pickup_place(order: Order) -> str | None:
    """Where the customer collects an order bought for store pickup, else None."""
    if order.shipping_pickup_type != "pickup":
        return None
    return order.shipping_store_branch_name or order.shipping_option or "na loja"
