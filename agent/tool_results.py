"""What the tools return, as the brains and replies read it: one TypedDict of known keys.

Tools answer JSON (the model reads it too); this is its shape once parsed, so a reply that
reads a key no tool writes, or misspells one, is a type error instead of a silent `None`.
"""

from __future__ import annotations

from typing import Any

from typing_extensions import TypedDict


class DeliveryProblem(TypedDict, total=False):
    """A problem the carrier's events show (see `tools/delivery_problems.py`)."""

    kind: str
    business_days_without_update: int
    tracking_code: str
    carrier: str


class ToolResult(TypedDict, total=False):
    """One tool result of this turn, with the name of the tool that produced it."""

    tool: str | None
    error: str
    """`order_not_available` (not found or not theirs, alike), `not_shipped_yet`, ..."""
    detail: str
    result: Any
    handoff: str
    """A handoff reason the result asks for."""
    order_number: str
    stage: str
    items: list[dict[str, Any]]
    customer_first_name: str
    tracking_code: str
    pickup_at: str
    shipping_max_days: int
    payment_status: str
    payment_method: str
    paid_at: str
    total: str
    payment_link: str
    action: str
    """What the customer can do about the payment: `pay_boleto`, `pay_pix`, ..."""
    claim: str
    status: str
    """The carrier's status of the package."""
    events: list[dict[str, Any]]
    url: str
    problem: DeliveryProblem
    orders: list[dict[str, Any]]
    refund: str
    cancellation: str
    catalog: str
    """`one`, `several`, `none`, `unnamed` (no product named) or `unavailable`."""
    products: list[dict[str, Any]]
    """Products as `tools.catalog.product_view` shows them."""
    asked: dict[str, str]
    """Option values the customer asked for ({"Tamanho": "P"})."""
    not_offered: list[str]
    matches: int
    knowledge: str
    """`found` or `unknown`."""
    entries: list[dict[str, Any]]
    """The knowledge entries found, each with id, title, answer, link and source."""
