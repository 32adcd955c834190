"""Async client for the Nuvemshop (Tiendanube) REST API, limited to what support reads.

Every call goes through `_request`, which turns HTTP outcomes into the typed errors of
`integrations.nuvemshop.errors`. The same code talks to the real API and to the offline demo
store; only the httpx transport differs. Logs name the endpoint and status but never the
token, query values or any customer data, because search terms are e-mails and names.
"""

from __future__ import annotations

import json
import logging
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx
from pydantic import BaseModel, ValidationError

from integrations.nuvemshop.errors import (
    NuvemshopAuthError,
    NuvemshopBadRequest,
    NuvemshopError,
    NuvemshopNotFound,
    NuvemshopPaymentRequired,
    NuvemshopRateLimited,
    NuvemshopServerError,
    NuvemshopUnavailable,
    NuvemshopValidationError,
)
from integrations.nuvemshop.models import Customer, Order

logger = logging.getLogger(__name__)

MAX_PER_PAGE = 200
"""The API refuses to return more items per page than this."""

_Model = TypeVar("_Model", bound=BaseModel)
_ERRORS_BY_STATUS: dict[int, type[NuvemshopError]] = {
    400: NuvemshopBadRequest,
    401: NuvemshopAuthError,
    402: NuvemshopPaymentRequired,
    404: NuvemshopNotFound,
    422: NuvemshopValidationError,
}


class NuvemshopClient:
    """Reads orders and customers of one store; one instance per store and process."""

    def __init__(
        self,
        *,
        store_id: str,
        access_token: str,
        user_agent: str,
        base_url: str = "https://api.nuvemshop.com.br",
        api_version: str = "v1",
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """Open a connection pool bound to the store's API root and credentials."""
        self._http = httpx.AsyncClient(
            base_url=f"{base_url.rstrip('/')}/{api_version}/{store_id}",
            headers={
                "Authentication": f"bearer {access_token}",
                "User-Agent": user_agent,
                "Content-Type": "application/json",
            },
            timeout=timeout,
            transport=transport,
        )

    async def __aenter__(self) -> Self:
        """Use the client as `async with NuvemshopClient(...) as store:`."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the connection pool when the block ends."""
        await self.aclose()

    async def aclose(self) -> None:
        """Release the connection pool."""
        await self._http.aclose()

    async def get_order(self, order_id: int) -> Order | None:
        """The order with this API `id` (not its number), or None if the store has none."""
        try:
            response = await self._request("GET", f"/orders/{int(order_id)}")
        except NuvemshopNotFound:
            return None
        return _parse(Order, response)

    async def find_order_by_number(self, number: int | str) -> Order | None:
        """The order the customer calls #`number`, or None.

        `q` also matches names and e-mails that contain the digits, so only an exact
        `number` match counts.
        """
        text = str(number).strip().lstrip("#").strip()
        if not (text.isascii() and text.isdigit()):
            return None
        wanted = int(text)
        for order in await self._list(Order, "/orders", {"q": str(wanted)}, limit=MAX_PER_PAGE):
            if order.number == wanted:
                return order
        return None

    async def search_orders(
        self, query: str, *, limit: int = 50, per_page: int | None = None
    ) -> list[Order]:
        """Orders whose number, contact name or e-mail matches `query`, up to `limit`.

        A blank query would list the whole store, so it finds nothing instead.
        """
        if not query.strip():
            return []
        return await self._list(
            Order, "/orders", {"q": query.strip()}, limit=limit, per_page=per_page
        )

    async def search_customers(self, query: str, *, limit: int = 50) -> list[Customer]:
        """Customers whose name, e-mail or CPF/CNPJ contains `query`; none for a blank query."""
        if not query.strip():
            return []
        return await self._list(Customer, "/customers", {"q": query.strip()}, limit=limit)

    async def get_customer(self, customer_id: int) -> Customer | None:
        """The customer with this id, or None if the store has none."""
        try:
            response = await self._request("GET", f"/customers/{int(customer_id)}")
        except NuvemshopNotFound:
            return None
        return _parse(Customer, response)

    async def _list(
        self,
        model: type[_Model],
        path: str,
        params: dict[str, str],
        *,
        limit: int,
        per_page: int | None = None,
    ) -> list[_Model]:
        """Walk a list endpoint page by page, following the `Link: rel="next"` header.

        Only the page number is taken from the link; the request goes to our own base URL,
        so the token is never sent to a host the link names.
        """
        if limit <= 0:
            return []
        size = max(1, min(per_page or limit, MAX_PER_PAGE))
        items: list[_Model] = []
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
            payload = _json(response)
            if not isinstance(payload, list):
                raise NuvemshopError(f"GET {path} returned a non-list body")
            items.extend(_validate(model, item) for item in payload)
            next_page = _next_page(response)
            if next_page is None or next_page <= page or not payload:
                break
            page = next_page
        return items[:limit]

    async def _request(
        self, method: str, path: str, *, params: dict[str, str] | None = None
    ) -> httpx.Response:
        """Send one request and map any failure onto a typed `NuvemshopError`."""
        try:
            response = await self._http.request(method, path, params=params)
        except httpx.TimeoutException as error:
            logger.warning("nuvemshop %s %s timed out", method, path)
            raise NuvemshopUnavailable(f"{method} {path} timed out") from error
        except httpx.TransportError as error:
            logger.warning("nuvemshop %s %s failed: %s", method, path, type(error).__name__)
            raise NuvemshopUnavailable(f"{method} {path} failed to connect") from error
        status = response.status_code
        logger.debug("nuvemshop %s %s -> %d", method, path, status)
        if status < 400:
            return response
        description = _error_description(response)
        message = f"{method} {path} answered {status}"
        if status == 429:
            reset = response.headers.get("x-rate-limit-reset", "")
            logger.warning("nuvemshop rate limited; reset in %s ms", reset or "?")
            raise NuvemshopRateLimited(
                message,
                description=description,
                reset_ms=int(reset) if reset.isdigit() else None,
            )
        if status >= 500:
            logger.warning("nuvemshop %s %s -> %d", method, path, status)
            raise NuvemshopServerError(message, status_code=status, description=description)
        error_type = _ERRORS_BY_STATUS.get(status, NuvemshopError)
        if status != 404:
            logger.warning("nuvemshop %s %s -> %d", method, path, status)
        raise error_type(message, status_code=status, description=description)


def _json(response: httpx.Response) -> Any:
    """The decoded body; a body that is not JSON is the API failing, not an empty answer."""
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise NuvemshopError(
            "response body is not JSON", status_code=response.status_code
        ) from error


def _validate(model: type[_Model], item: Any) -> _Model:
    """One API object as `model`; a shape we cannot read is an API error, not a crash."""
    try:
        return model.model_validate(item)
    except ValidationError as error:
        fields = sorted({".".join(str(part) for part in e["loc"]) for e in error.errors()})
        raise NuvemshopError(f"unexpected {model.__name__} payload (fields: {fields})") from error


def _parse(model: type[_Model], response: httpx.Response) -> _Model:
    """Decode and validate a single-object response."""
    return _validate(model, _json(response))


def _error_description(response: httpx.Response) -> str | None:
    """The API's `description` of an error (a string, or field errors as JSON)."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if not isinstance(body, dict):
        return None
    description = body.get("description", body.get("message"))
    if description is None or isinstance(description, str):
        return description
    return json.dumps(description, ensure_ascii=False)


def _next_page(response: httpx.Response) -> int | None:
    """The page number of the `rel="next"` link, or None on the last page."""
    url = response.links.get("next", {}).get("url")
    if not url:
        return None
    pages = parse_qs(urlsplit(url).query).get("page", [])
    return int(pages[0]) if pages and pages[0].isdigit() else None
