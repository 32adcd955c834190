"""Async client for the Nuvemshop (Tiendanube) REST API, limited to what support reads.

Every call goes through a `StoreSession` (`integrations.nuvemshop.session`), which paces
requests to the store's rate limit, retries what may pass and turns HTTP outcomes into the
typed errors of `integrations.nuvemshop.errors`. The same code talks to the real API and to
the offline demo store; only the httpx transport differs. Logs name the endpoint and status
but never the token, query values or any customer data, because search terms are e-mails
and names.

Order reads come in two forms: models (`get_order`) for callers, and the API's JSON objects
(`get_order_payload`) for the cache, which stores exactly what the API answered.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, TypedDict, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx
from pydantic import BaseModel, ValidationError

from integrations.closing import AsyncClosing
from integrations.nuvemshop.errors import NuvemshopError, NuvemshopNotFound
from integrations.nuvemshop.models import Customer, Order
from integrations.nuvemshop.products import Page, Product
from integrations.nuvemshop.ratelimit import RateLimiter
from integrations.nuvemshop.session import SINGLE_ATTEMPT, RetryPolicy, StoreSession, json_body

logger = logging.getLogger(__name__)

MAX_PER_PAGE = 200
"""The API refuses to return more items per page than this."""

ORDER_FIELDS: tuple[str, ...] = (
    *("id", "number", "token", "status", "payment_status", "shipping_status"),
    *("shipping_tracking_number", "shipping_tracking_url", "shipping_min_days"),
    *("shipping_max_days", "shipping", "shipping_option", "shipping_pickup_type"),
    "shipping_store_branch_name",
    *("shipping_address", "gateway", "gateway_name", "gateway_link", "payment_details"),
    *("contact_name", "contact_email", "contact_phone", "contact_identification"),
    *("customer", "products", "subtotal", "discount", "total", "currency", "created_at"),
    *("updated_at", "paid_at", "shipped_at", "closed_at", "cancelled_at", "cancel_reason"),
)
"""The order properties support reads (the fields of `Order`), for the `fields` parameter.

Asking for these only keeps payloads small and leaves out personal data we never show,
such as billing addresses.
"""

PRODUCT_FIELDS: tuple[str, ...] = (
    *("id", "name", "description", "handle", "attributes", "variants", "images"),
    *("published", "canonical_url", "tags", "brand"),
)
"""The product properties a customer's question needs (the fields of `Product`)."""

Json = dict[str, Any]
_Model = TypeVar("_Model", bound=BaseModel)


class ClientOptions(TypedDict, total=False):
    """The optional keyword arguments of `NuvemshopClient`, for classes that pass them on."""

    base_url: str
    api_version: str
    timeout: float
    transport: httpx.AsyncBaseTransport | None
    limiter: RateLimiter | None
    retry: RetryPolicy
    order_fields: Sequence[str] | None


def order_number(number: int | str) -> int | None:
    """The order number a customer typed (`#1001`, ` 1001 `), or None if it is not one."""
    text = str(number).strip().lstrip("#").strip()
    return int(text) if text.isascii() and text.isdigit() else None


class NuvemshopClient(AsyncClosing):
    """Reads orders, customers, products and pages of one store; one per store and process."""

    def __init__(
        self,
        *,
        store_id: str,
        access_token: str | httpx.Auth,
        user_agent: str,
        base_url: str = "https://api.nuvemshop.com.br",
        api_version: str = "v1",
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy = SINGLE_ATTEMPT,
        order_fields: Sequence[str] | None = None,
    ) -> None:
        """Open a connection pool bound to the store's API root and credentials.

        `limiter` paces requests to the store's bucket (the Redis one when several workers
        share a store); `retry` says how often a failed read is tried again; `order_fields`
        (usually `ORDER_FIELDS`) narrows order payloads, and None asks for every field.
        """
        self._session = StoreSession(
            store_id=store_id,
            access_token=access_token,
            user_agent=user_agent,
            base_url=base_url,
            api_version=api_version,
            timeout=timeout,
            transport=transport,
            limiter=limiter,
            retry=retry,
        )
        self._order_params = {"fields": ",".join(order_fields)} if order_fields else {}

    @property
    def store_id(self) -> str:
        """The store this client reads, which keys its rate limit and cache entries."""
        return self._session.store_id

    async def aclose(self) -> None:
        """Release the connection pool."""
        await self._session.aclose()

    async def get_order(self, order_id: int) -> Order | None:
        """The order with this API `id` (not its number), or None if the store has none."""
        payload = await self.get_order_payload(order_id)
        return None if payload is None else validate(Order, payload)

    async def get_order_payload(self, order_id: int) -> Json | None:
        """`get_order` as the API's JSON object, for callers that keep it (the cache)."""
        path = f"/orders/{int(order_id)}"
        try:
            response = await self._request("GET", path, params=self._order_params or None)
        except NuvemshopNotFound:
            return None
        payload = json_body(response)
        if not isinstance(payload, dict):
            raise NuvemshopError("GET /orders/{id} returned a non-object body")
        return payload

    async def find_order_by_number(self, number: int | str) -> Order | None:
        """The order the customer calls #`number`, or None.

        `q` also matches names and e-mails that contain the digits, so only an exact
        `number` match counts.
        """
        payload = await self.find_order_payload(number)
        return None if payload is None else validate(Order, payload)

    async def find_order_payload(self, number: int | str) -> Json | None:
        """`find_order_by_number` as the API's JSON object."""
        wanted = order_number(number)
        if wanted is None:
            return None
        params = {"q": str(wanted), **self._order_params}
        for payload in await self._list("/orders", params, limit=MAX_PER_PAGE):
            if validate(Order, payload).number == wanted:
                return payload
        return None

    async def search_orders(
        self, query: str, *, limit: int = 50, per_page: int | None = None
    ) -> list[Order]:
        """Orders whose number, contact name or e-mail matches `query`, up to `limit`.

        A blank query would list the whole store, so it finds nothing instead.
        """
        payloads = await self.search_order_payloads(query, limit=limit, per_page=per_page)
        return [validate(Order, payload) for payload in payloads]

    async def search_order_payloads(
        self, query: str, *, limit: int = 50, per_page: int | None = None
    ) -> list[Json]:
        """`search_orders` as the API's JSON objects."""
        if not query.strip():
            return []
        params = {"q": query.strip(), **self._order_params}
        return await self._list("/orders", params, limit=limit, per_page=per_page)

    async def search_customers(self, query: str, *, limit: int = 50) -> list[Customer]:
        """Customers whose name, e-mail or CPF/CNPJ contains `query`; none for a blank query."""
        if not query.strip():
            return []
        payloads = await self._list("/customers", {"q": query.strip()}, limit=limit)
        return [validate(Customer, payload) for payload in payloads]

    async def get_customer(self, customer_id: int) -> Customer | None:
        """The customer with this id, or None if the store has none."""
        try:
            response = await self._request("GET", f"/customers/{int(customer_id)}")
        except NuvemshopNotFound:
            return None
        return validate(Customer, json_body(response))

    async def search_products(self, query: str, *, limit: int = 20) -> list[Product]:
        """Published products whose name, description or SKU contains `query`.

        A blank query would list the whole catalog, so it finds nothing instead.
        """
        payloads = await self.search_product_payloads(query, limit=limit)
        return [validate(Product, payload) for payload in payloads]

    async def search_product_payloads(self, query: str, *, limit: int = 20) -> list[Json]:
        """`search_products` as the API's JSON objects, for the cache."""
        if not query.strip():
            return []
        params = {"q": query.strip(), "published": "true", "fields": ",".join(PRODUCT_FIELDS)}
        return await self._list("/products", params, limit=limit)

    async def list_pages(self) -> list[Page]:
        """The store's published content pages; none when the store has no pages endpoint."""
        return [page for item in await self.page_payloads() if (page := Page.from_api(item))]

    async def page_payloads(self) -> list[Json]:
        """The pages as the API's JSON objects: a list, or one wrapped in `results`."""
        try:
            response = await self._request("GET", "/pages", params={"per_page": str(MAX_PER_PAGE)})
        except NuvemshopNotFound:
            return []
        body = json_body(response)
        if isinstance(body, dict):
            wrapped = body.get("pages", body)
            body = wrapped.get("results", []) if isinstance(wrapped, dict) else wrapped
        if not isinstance(body, list):
            raise NuvemshopError("GET /pages returned neither a list nor results")
        return [item for item in body if isinstance(item, dict)]

    async def _list(
        self, path: str, params: dict[str, str], *, limit: int, per_page: int | None = None
    ) -> list[Json]:
        """Walk a list endpoint page by page, following the `Link: rel="next"` header.

        Only the page number is taken from the link; the request goes to our own base URL,
        so the token is never sent to a host the link names. Each page is one request, paced
        by the limiter like any other.
        """
        if limit <= 0:
            return []
        size = max(1, min(per_page or limit, MAX_PER_PAGE))
        items: list[Json] = []
        page = 1
        while len(items) < limit:
            query = {**params, "page": str(page), "per_page": str(size)}
            try:
                response = await self._request("GET", path, params=query)
            except NuvemshopNotFound as error:
                # Nuvemshop answers an empty page with 404 "Last page is N" instead of [].
                if not (error.description or "").startswith("Last page is"):
                    logger.warning("nuvemshop %s answered 404 without a page hint", path)
                break
            payload = json_body(response)
            if not isinstance(payload, list):
                raise NuvemshopError(f"GET {path} returned a non-list body")
            if not all(isinstance(item, dict) for item in payload):
                raise NuvemshopError(f"GET {path} returned a list of non-objects")
            items.extend(payload)
            next_page = _next_page(response)
            if next_page is None or next_page <= page or not payload:
                break
            page = next_page
        return items[:limit]

    async def _request(
        self, method: str, path: str, *, params: dict[str, str] | None = None
    ) -> httpx.Response:
        """Send one request through the session (limiter, retries, typed errors)."""
        return await self._session.request(method, path, params=params)


def validate(model: type[_Model], item: Any) -> _Model:
    """One API object as `model`; a shape we cannot read is an API error, not a crash."""
    try:
        return model.model_validate(item)
    except ValidationError as error:
        fields = sorted({".".join(str(part) for part in e["loc"]) for e in error.errors()})
        raise NuvemshopError(f"unexpected {model.__name__} payload (fields: {fields})") from error


def _next_page(response: httpx.Response) -> int | None:
    """The page number of the `rel="next"` link, or None on the last page."""
    url = response.links.get("next", {}).get("url")
    if not url:
        return None
    pages = parse_qs(urlsplit(url).query).get("page", [])
    return int(pages[0]) if pages and pages[0].isdigit() else None
