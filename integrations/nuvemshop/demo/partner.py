"""Nuvemshop's side of a partner app, offline: authorize page, token endpoint, webhooks API.

With the demo stores, it answers every request an install makes, in the real shapes, so
the real `OAuthClient` and `WebhookClient` run against it through an httpx transport:

- `GET /apps/{app_id}/authorize?state=...` approves the app for the logged-in merchant's
  store (`merchant`) and redirects to the app's redirect URL with `code` and `state`;
- `POST /apps/authorize/token` takes `{client_id, client_secret, grant_type, code}` (JSON
  or form) and answers `{access_token, token_type: "bearer", scope, user_id}`. A code lives
  5 minutes and works once; a bad one is answered 200 with `{"error": "invalid_grant",
  "error_description": ...}` as Nuvemshop does, a wrong secret 401 `invalid_client`.
  A new token replaces the store's previous one;
- `GET|POST /v1/{store_id}/webhooks`, `DELETE /v1/{store_id}/webhooks/{id}` with the
  store's token, refusing (422) unknown events and URLs that are not public https;
- anything else under `/v1/{store_id}/` goes to that demo store's orders and customers.

`uninstall` plays a merchant removing the app: the token stops working, the app's
webhooks go, and it returns the `app/uninstalled` body Nuvemshop would post.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from integrations.nuvemshop.demo.store import DemoStore

DEMO_APP_ID = "4321"
DEMO_CLIENT_SECRET = "demo-client-secret"
DEMO_INSTALL_STORE_ID = "1234567"
"""The store that installs the app offline (real store ids are numbers)."""
DEMO_SCOPES = "read_orders,read_customers,read_products"
CODE_SECONDS = 300
"""An authorization code is valid for 5 minutes."""
WEBHOOK_EVENTS = frozenset(
    {
        *("app/uninstalled", "app/suspended", "app/resumed"),
        *("category/created", "category/updated", "category/deleted"),
        *("order/created", "order/updated", "order/paid", "order/packed", "order/fulfilled"),
        *("order/cancelled", "order/edited", "order/pending", "order/voided"),
        *("product/created", "product/updated", "product/deleted"),
        *("customer/created", "customer/updated", "customer/deleted"),
        *("fulfillment_order/status_updated", "fulfillment_order/tracking_event_created"),
        *("domain/updated", "theme/updated"),
    }
)
"""Events the webhooks API accepts."""

_AUTHORIZE = re.compile(r"^/apps/(?P<app>[^/]+)/authorize/?$")
_TOKEN = "/apps/authorize/token"
_STORE = re.compile(r"^/(?:v1|\d{4}-\d{2})/(?P<store>[^/]+)/")
_WEBHOOKS = re.compile(r"^/(?:v1|\d{4}-\d{2})/[^/]+/webhooks(?:/(?P<id>[^/]+))?/?$")
_PRIVATE_HOSTS = re.compile(r"(^localhost$|^127\.|^0\.0\.0\.0$|nuvemshop|tiendanube)")

Json = dict[str, Any]


@dataclass
class _Code:
    store_id: str
    issued_at: float
    used: bool = False


def _api_error(status: int, message: str, description: str) -> httpx.Response:
    return httpx.Response(
        status, json={"code": status, "message": message, "description": description}
    )


def _oauth_error(status: int, error: str, description: str) -> httpx.Response:
    return httpx.Response(status, json={"error": error, "error_description": description})


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class DemoNuvemshop:
    """One partner app as Nuvemshop knows it, and the demo stores that may install it."""

    def __init__(
        self,
        *,
        redirect_url: str,
        app_id: str = DEMO_APP_ID,
        client_secret: str = DEMO_CLIENT_SECRET,
        stores: Sequence[DemoStore] | None = None,
        scopes: str = DEMO_SCOPES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Register the app as its partner-portal page would: id, secret, redirect URL."""
        self.app_id = app_id
        self.redirect_url = redirect_url
        self._secret = client_secret
        self._scopes = scopes
        self._clock = clock
        chosen = stores if stores is not None else [DemoStore(store_id=DEMO_INSTALL_STORE_ID)]
        self.stores = {store.store_id: store for store in chosen}
        self.merchant = next(iter(self.stores))
        """The store whose admin is logged in, and so approves the app."""
        self._codes: dict[str, _Code] = {}
        self._webhooks: dict[str, list[Json]] = {store_id: [] for store_id in self.stores}
        self._next_webhook_id = 1001

    def transport(self) -> httpx.MockTransport:
        """An httpx transport answering as Nuvemshop, for the OAuth and webhook clients."""
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request as www.nuvemshop.com(.br) or api.nuvemshop.com.br would."""
        path = request.url.path
        authorize = _AUTHORIZE.match(path)
        if authorize and request.method == "GET":
            return self._authorize(request, authorize["app"])
        if path.rstrip("/") == _TOKEN and request.method == "POST":
            return self._token(request)
        route = _STORE.match(path)
        store = self.stores.get(route["store"]) if route else None
        if store is None:
            return _api_error(401, "Unauthorized", "Invalid access token")
        webhooks = _WEBHOOKS.match(path)
        if webhooks is None:
            return store.handle(request)
        refused = self._check_credentials(request, store)
        return refused or self._webhooks_route(request, store.store_id, webhooks["id"])

    def issue_code(self, store_id: str | None = None) -> str:
        """A fresh code for the store's approval, as the redirect after authorizing carries."""
        code = secrets.token_hex(20)
        self._codes[code] = _Code(store_id or self.merchant, self._clock())
        return code

    def webhooks(self, store_id: str | None = None) -> list[Json]:
        """The webhooks the app has in the store, as `GET /webhooks` lists them."""
        return [dict(hook) for hook in self._webhooks[store_id or self.merchant]]

    def uninstall(self, store_id: str | None = None) -> Json:
        """Remove the app from the store; the body of the `app/uninstalled` webhook.

        The token stops working (the store now accepts only one nobody was given) and the
        app's webhooks are gone. The caller signs the body with the app secret to post it.
        """
        chosen = store_id or self.merchant
        self.stores[chosen].access_token = secrets.token_hex(20)
        self._webhooks[chosen] = []
        return {"store_id": _number(chosen), "event": "app/uninstalled", "id": _number(self.app_id)}

    def _authorize(self, request: httpx.Request, app_id: str) -> httpx.Response:
        """The merchant approves the app; redirect to the app with a code and the state."""
        if app_id != self.app_id:
            return httpx.Response(404, text="Aplicativo não encontrado")
        query = {"code": self.issue_code()}
        state = request.url.params.get("state")
        if state is not None:
            query["state"] = state
        separator = "&" if urlsplit(self.redirect_url).query else "?"
        return httpx.Response(
            302, headers={"Location": f"{self.redirect_url}{separator}{urlencode(query)}"}
        )

    def _token(self, request: httpx.Request) -> httpx.Response:
        """Exchange a code for the store's token, refusing what Nuvemshop refuses."""
        form = _form(request)
        if str(form.get("client_id")) != self.app_id or form.get("client_secret") != self._secret:
            return _oauth_error(401, "invalid_client", "Client authentication failed")
        if form.get("grant_type") != "authorization_code":
            return _oauth_error(400, "unsupported_grant_type", "Use authorization_code")
        code = self._codes.get(str(form.get("code") or ""))
        if code is None:
            return _oauth_error(200, "invalid_grant", "The authorization code is invalid")
        if code.used:
            return _oauth_error(200, "invalid_grant", "The authorization code was already used")
        if self._clock() - code.issued_at > CODE_SECONDS:
            return _oauth_error(200, "invalid_grant", "The authorization code has expired")
        code.used = True
        token = secrets.token_hex(20)
        self.stores[code.store_id].access_token = token
        body = {
            "access_token": token,
            "token_type": "bearer",
            "scope": self._scopes,
            "user_id": _number(code.store_id),
        }
        return httpx.Response(200, json=body)

    @staticmethod
    def _check_credentials(request: httpx.Request, store: DemoStore) -> httpx.Response | None:
        """The API's header checks: a User-Agent, and the store's current token."""
        if not request.headers.get("user-agent", "").strip():
            return _api_error(
                400, "Bad Request", "A User-Agent header identifying the app is required"
            )
        scheme, _, token = request.headers.get("authentication", "").partition(" ")
        if scheme.lower() != "bearer" or token.strip() != store.access_token:
            return _api_error(401, "Unauthorized", "Invalid access token")
        return None

    def _webhooks_route(
        self, request: httpx.Request, store_id: str, webhook_id: str | None
    ) -> httpx.Response:
        """List, create or delete one store's webhooks."""
        hooks = self._webhooks[store_id]
        if webhook_id is None and request.method == "GET":
            return httpx.Response(200, json=[dict(hook) for hook in hooks])
        if webhook_id is None and request.method == "POST":
            return self._create(request, hooks)
        if webhook_id is not None and request.method == "DELETE":
            found = [hook for hook in hooks if str(hook["id"]) == webhook_id]
            if not found:
                return _api_error(404, "Not Found", "Webhook with such id does not exist")
            hooks.remove(found[0])
            return httpx.Response(200, json={})
        return _api_error(405, "Method Not Allowed", "Not supported by the demo")

    def _create(self, request: httpx.Request, hooks: list[Json]) -> httpx.Response:
        """`POST /webhooks`: 201 with the webhook, or 422 naming each bad field."""
        body = _form(request)
        event, url = body.get("event"), body.get("url")
        errors: dict[str, list[str]] = {}
        if event not in WEBHOOK_EVENTS:
            allowed = ", ".join(sorted(WEBHOOK_EVENTS))
            errors["event"] = [f"Invalid event specified. Events allowed: {allowed}"]
        parts = urlsplit(str(url or ""))
        if parts.scheme != "https" or not parts.hostname or _PRIVATE_HOSTS.search(parts.hostname):
            errors["url"] = ["invalid url specified"]
        if errors:
            return httpx.Response(422, json=errors)
        stamp = _now()
        hook = {"id": self._next_webhook_id, "event": event, "url": url}
        hook |= {"created_at": stamp, "updated_at": stamp}
        self._next_webhook_id += 1
        hooks.append(hook)
        return httpx.Response(201, json=hook)


def _form(request: httpx.Request) -> dict[str, Any]:
    """A request's fields, sent as JSON or as a form."""
    text = request.content.decode("utf-8", "replace")
    if "json" in request.headers.get("content-type", ""):
        try:
            loaded = json.loads(text)
        except ValueError:
            return {}
        return loaded if isinstance(loaded, dict) else {}
    return dict(parse_qsl(text))


def _number(text: str) -> int | str:
    """An id as the API serializes it: a number when it is one."""
    return int(text) if text.isascii() and text.isdigit() else text
