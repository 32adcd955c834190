"""Order look-ups that answer only the order's owner.

Every look-up takes the customer's identity as an argument the caller reads from graph
state; a number alone never returns another customer's order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from integrations.nuvemshop.client import NuvemshopClient
from integrations.nuvemshop.models import Order
from tools.identity import CustomerIdentity, owns

LookupStatus = Literal["ok", "not_found", "not_owner"]


@dataclass(frozen=True, slots=True)
class OrderLookup:
    """The result of looking up one order number for one customer."""

    status: LookupStatus
    order: Order | None = None
    """Set only when status is "ok": callers can never hold a stranger's order."""


class OrderService:
    """Finds orders in the store, filtered by the ownership rule."""

    def __init__(self, client: NuvemshopClient) -> None:
        """Use the given Nuvemshop client (the real API or the demo store)."""
        self._client = client

    async def lookup(self, number: str, identity: CustomerIdentity) -> OrderLookup:
        """Find order `number` and return it only if `identity` owns it."""
        order = await self._client.find_order_by_number(number)
        if order is None:
            return OrderLookup("not_found")
        if not owns(order, identity):
            return OrderLookup("not_owner")
        return OrderLookup("ok", order)

    async def orders_of(self, identity: CustomerIdentity, *, limit: int = 10) -> list[Order]:
        """List the customer's own orders, newest first.

        Nuvemshop cannot search by phone, so the search runs on the e-mails the customer
        gave; each hit still passes the ownership rule before it is returned.
        """
        found: dict[int, Order] = {}
        for email in identity.emails:
            for order in await self._client.search_orders(email, limit=limit):
                if owns(order, identity):
                    found[order.id] = order
        return sorted(found.values(), key=lambda order: order.number, reverse=True)[:limit]
