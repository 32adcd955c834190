"""An in-process Nuvemshop store that answers with the real API's HTTP shapes.

It lets Atendente run offline through the real `NuvemshopClient`: only the transport is
swapped. It checks the `Authentication` and `User-Agent` headers, paginates with `Link` and
`x-total-count`, answers an empty page with 404 "Last page is N", and reports the leaky
bucket in `x-rate-limit-*` headers, as the real API does.
"""

from __future__ import annotations

import copy
import json
import math
import re
import time
import unicodedata
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

import httpx

from integrations.nuvemshop.demo.catalog import DemoCatalog

DEMO_STORE_ID = "demo"
SECOND_DEMO_STORE_ID = "2"
"""A second demo store, for deployments that serve many stores: the same order numbers as
the first, each owned by another of the same customers, so the two overlap as real stores
do and nothing but the store can tell their orders apart."""
DEMO_ACCESS_TOKEN = "demo-token"
_OWNER_FIELDS = ("customer", "shipping_address")
_OWNER_PREFIXES = ("contact_", "billing_")
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 200
BUCKET_SIZE = 40
LEAK_PER_SECOND = 2.0

_ROUTE = re.compile(
    r"^/(?:v1|\d{4}-\d{2})/(?P<store>[^/]+)/(?P<resource>orders|customers|products|pages)"
    r"(?:/(?P<id>[^/]+))?/?$"
)
_SHIPPING_FILTER_ALIASES = {"fulfilled": "shipped", "unfulfilled": "unshipped"}

Json = dict[str, Any]


@cache
def _orders_text() -> str:
    """The demo orders file, read once per process."""
    return (resources.files("integrations.nuvemshop.demo") / "orders.json").read_text(
        encoding="utf-8"
    )


def demo_orders(store_id: str = DEMO_STORE_ID) -> list[Json]:
    """A fresh copy of a demo store's orders in number order, as the API serializes them."""
    orders: list[Json] = json.loads(_orders_text())
    return _second_store(orders) if store_id == SECOND_DEMO_STORE_ID else orders


def _second_store(orders: list[Json]) -> list[Json]:
    """The orders with every customer's orders handed to the next customer, ids moved on."""
    first_order: dict[int, Json] = {}
    for order in orders:
        first_order.setdefault(order["customer"]["id"], order)
    owners = list(first_order)
    successor = {owner: owners[(i + 1) % len(owners)] for i, owner in enumerate(owners)}
    moved = []
    for order in orders:
        donor = first_order[successor[order["customer"]["id"]]]
        copied = dict(order, id=order["id"] + 1_000_000, token=f"{order['token']}-2")
        for name, value in donor.items():
            if name in _OWNER_FIELDS or name.startswith(_OWNER_PREFIXES):
                copied[name] = copy.deepcopy(value)
        moved.append(copied)
    return moved


def demo_customers(orders: list[Json] | None = None) -> list[Json]:
    """The store's customers, as embedded in their orders (one entry per customer id)."""
    customers: dict[int, Json] = {}
    for order in orders if orders is not None else demo_orders():
        customer = order.get("customer")
        if isinstance(customer, dict):
            customers[customer["id"]] = copy.deepcopy(customer)
    return sorted(customers.values(), key=lambda c: c["id"])


def _fold(text: object) -> str:
    """Case- and accent-insensitive form, as the store's search treats text."""
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _int_param(value: str | None, default: int, *, low: int, high: int) -> int:
    """A numeric query parameter clamped to what the API accepts."""
    if value is None or not value.strip().lstrip("-").isdigit():
        return default
    return max(low, min(int(value), high))


def _error(status: int, message: str, description: str) -> httpx.Response:
    """An error body in Nuvemshop's `{code, message, description}` shape."""
    body = {"code": status, "message": message, "description": description}
    return httpx.Response(status, json=body)


class DemoStore:
    """One fake store: its data, its credentials and its request bucket."""

    def __init__(
        self,
        *,
        store_id: str = DEMO_STORE_ID,
        access_token: str = DEMO_ACCESS_TOKEN,
        orders: list[Json] | None = None,
        enforce_rate_limit: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Hold the orders; `enforce_rate_limit` turns a full bucket into 429s like the API."""
        self.store_id = store_id
        self.access_token = access_token
        """The one token the store accepts; installing the app again replaces it."""
        self._orders = sorted(
            orders if orders is not None else demo_orders(),
            key=lambda o: (str(o.get("created_at") or ""), o["id"]),
            reverse=True,
        )
        self._customers = demo_customers(self._orders)
        self._enforce_rate_limit = enforce_rate_limit
        self._clock = clock
        self.catalog = DemoCatalog()
        """The products and content pages, served with the same checks and bucket."""
        self._level = 0.0
        self._last_leak = clock()

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one HTTP request the way api.nuvemshop.com.br would."""
        if not request.headers.get("user-agent", "").strip():
            return _error(400, "Bad Request", "A User-Agent header identifying the app is required")
        scheme, _, token = request.headers.get("authentication", "").partition(" ")
        route = _ROUTE.match(request.url.path)
        store = route["store"] if route else self.store_id
        if (
            scheme.lower() != "bearer"
            or token.strip() != self.access_token
            or store != self.store_id
        ):
            return _error(401, "Unauthorized", "Invalid access token")
        limited = self._take_from_bucket()
        if limited is not None:
            return limited
        response = self._route(request, route)
        response.headers.update(self._rate_headers())
        return response

    def _route(self, request: httpx.Request, route: re.Match[str] | None) -> httpx.Response:
        """Dispatch to the read endpoints support uses."""
        if route is None:
            return _error(404, "Not Found", "Resource not found")
        if request.method != "GET":
            return _error(405, "Method Not Allowed", "The demo store is read-only")
        resource, item_id = route["resource"], route["id"]
        if resource in ("products", "pages"):
            return self.catalog.route(request, resource, item_id, self._page)
        items = self._orders if resource == "orders" else self._customers
        if item_id is not None:
            found = next((i for i in items if str(i["id"]) == item_id), None)
            if found is None:
                kind = "Order" if resource == "orders" else "Customer"
                return _error(404, "Not Found", f"{kind} with such id does not exist")
            return httpx.Response(200, json=self._present(found))
        params = request.url.params
        matches = (
            self._filter_orders(params) if resource == "orders" else self._filter_customers(params)
        )
        return self._page(request, [self._present(i) for i in matches])

    def _present(self, item: Json) -> Json:
        """The item as served, stamped with this store's id as the API does."""
        served = copy.deepcopy(item)
        if "number" in served:
            served["store_id"] = self.store_id
        return served

    def _filter_orders(self, params: httpx.QueryParams) -> list[Json]:
        """Apply `q`, the status filters and `customer_ids` of GET /orders."""
        q = _fold(params.get("q", "")).strip()
        wanted = {
            "status": params.get("status", "any"),
            "payment_status": params.get("payment_status", "any"),
            "shipping_status": params.get("shipping_status", "any"),
        }
        wanted["shipping_status"] = _SHIPPING_FILTER_ALIASES.get(
            wanted["shipping_status"], wanted["shipping_status"]
        )
        customer_ids = {c.strip() for c in params.get("customer_ids", "").split(",") if c.strip()}
        result = []
        for order in self._orders:
            if q and not self._order_matches(order, q):
                continue
            if any(v != "any" and order.get(k) != v for k, v in wanted.items()):
                continue
            customer = order.get("customer") or {}
            if customer_ids and str(customer.get("id")) not in customer_ids:
                continue
            result.append(order)
        return result

    @staticmethod
    def _order_matches(order: Json, q: str) -> bool:
        """`q` finds an order by its exact number, or by text in the contact name or e-mail."""
        if q.lstrip("#") == str(order["number"]):
            return True
        return any(q in _fold(order.get(f)) for f in ("contact_name", "contact_email"))

    def _filter_customers(self, params: httpx.QueryParams) -> list[Json]:
        """Apply `q` of GET /customers: text in the name, e-mail or identification."""
        q = _fold(params.get("q", "")).strip()
        if not q:
            return list(self._customers)
        return [
            c
            for c in self._customers
            if any(q in _fold(c.get(f)) for f in ("name", "email", "identification"))
        ]

    def _page(self, request: httpx.Request, items: list[Json]) -> httpx.Response:
        """One page of `items`, with the `Link` and `x-total-count` headers of the API."""
        params = request.url.params
        per_page = _int_param(params.get("per_page"), DEFAULT_PER_PAGE, low=1, high=MAX_PER_PAGE)
        page = _int_param(params.get("page"), 1, low=1, high=10**6)
        last_page = math.ceil(len(items) / per_page)
        if page > last_page:
            return _error(404, "Not Found", f"Last page is {last_page}")
        chunk = items[(page - 1) * per_page : page * per_page]
        response = httpx.Response(200, json=chunk)
        response.headers["x-total-count"] = str(len(items))
        links = []
        if page < last_page:
            links.append((page + 1, "next"))
        links.append((last_page, "last"))
        if page > 1:
            links.append((1, "first"))
            links.append((page - 1, "prev"))
        response.headers["Link"] = ", ".join(
            f'<{request.url.copy_set_param("page", str(n))}>; rel="{rel}"' for n, rel in links
        )
        return response

    def _leak(self) -> None:
        """Drain the bucket for the time passed since the last request."""
        now = self._clock()
        self._level = max(0.0, self._level - (now - self._last_leak) * LEAK_PER_SECOND)
        self._last_leak = now

    def _take_from_bucket(self) -> httpx.Response | None:
        """Count the request; a 429 when the bucket is full and the limit is enforced."""
        self._leak()
        if self._level + 1 > BUCKET_SIZE and self._enforce_rate_limit:
            response = _error(429, "Too Many Requests", "Rate limit exceeded")
            response.headers.update(self._rate_headers())
            return response
        self._level = min(float(BUCKET_SIZE), self._level + 1)
        return None

    def _rate_headers(self) -> dict[str, str]:
        """The `x-rate-limit-*` headers: bucket size, room left, ms until it is empty."""
        return {
            "x-rate-limit-limit": str(BUCKET_SIZE),
            "x-rate-limit-remaining": str(max(0, math.floor(BUCKET_SIZE - self._level))),
            "x-rate-limit-reset": str(math.ceil(self._level / LEAK_PER_SECOND * 1000)),
        }


def demo_transport(
    store_id: str = DEMO_STORE_ID,
    access_token: str = DEMO_ACCESS_TOKEN,
    *,
    enforce_rate_limit: bool = False,
) -> httpx.MockTransport:
    """An httpx transport serving the demo store, for `NuvemshopClient(transport=...)`."""
    store = DemoStore(
        store_id=store_id,
        access_token=access_token,
        orders=demo_orders(store_id),
        enforce_rate_limit=enforce_rate_limit,
    )
    return httpx.MockTransport(store.handle)
