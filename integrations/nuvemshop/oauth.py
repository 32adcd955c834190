"""Nuvemshop's app authorization: the link a merchant follows and the exchange of its code.

Nuvemshop supports one OAuth 2 grant, the authorization code. The merchant opens
`https://www.nuvemshop.com.br/apps/{app_id}/authorize?state=...`, approves the scopes the
app asks for in the partner portal, and comes back to the app's redirect URL with a `code`
that lives 5 minutes. The app POSTs `{client_id, client_secret, grant_type:
"authorization_code", code}` to the token endpoint and receives a non-expiring
`access_token` with the store's id as `user_id`.

The token endpoint reports a refused code either with a 4xx or with a 200 whose body is an
OAuth error (`{"error": "invalid_grant", "error_description": ...}`), so both are read the
same way. Errors and logs never carry the code, the client secret or the token.

Hierarchy::

    NuvemshopError                  (integrations.nuvemshop.errors)
    └── AuthorizationError          the token endpoint gave no usable token
        ├── InvalidGrant            the code is unknown, expired or already used
        └── InvalidClient           the app's id or secret was refused
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from integrations.nuvemshop.errors import (
    NuvemshopError,
    NuvemshopServerError,
    NuvemshopUnavailable,
)
from integrations.nuvemshop.session import json_body

logger = logging.getLogger(__name__)

AUTHORIZE_URL = "https://www.nuvemshop.com.br/apps/{app_id}/authorize"
"""Where a merchant approves the app; `{app_id}` is replaced by the app's id."""
TOKEN_URL = "https://www.nuvemshop.com/apps/authorize/token"
"""Where a code is exchanged for the store's access token."""
MAX_STORE_ID_DIGITS = 19
"""Store ids are 64-bit integers; they name Redis keys, so nothing else is accepted."""
_SCOPE_SEPARATORS = re.compile(r"[,\s]+")


class AuthorizationError(NuvemshopError):
    """The token endpoint answered, but with no usable access token."""


class InvalidGrant(AuthorizationError):
    """The code is unknown, expired (after 5 minutes) or already used: install again."""


class InvalidClient(AuthorizationError):
    """Nuvemshop refused the app's credentials: the app id or secret is wrong."""


_ERRORS_BY_CODE: dict[str, type[AuthorizationError]] = {
    "invalid_grant": InvalidGrant,
    "invalid_client": InvalidClient,
    "unauthorized_client": InvalidClient,
}


@dataclass(frozen=True, slots=True)
class AppCredentials:
    """The partner app's id (the OAuth client id) and secret."""

    app_id: str
    client_secret: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Grant:
    """What an approved install gives: the store and the token that reads it."""

    store_id: str
    """Nuvemshop's `user_id`: the id of the store that installed the app."""
    access_token: str = field(repr=False)
    """Valid until the store uninstalls the app or installs it again."""
    scopes: tuple[str, ...] = ()
    """The scopes the merchant approved, as Nuvemshop listed them."""


def authorize_url(template: str, app_id: str, state: str) -> str:
    """The link that starts an install: Nuvemshop's authorize page with our `state`."""
    base = template.replace("{app_id}", quote(app_id, safe=""))
    return f"{base}{'&' if '?' in base else '?'}{urlencode({'state': state})}"


class OAuthClient:
    """Exchanges authorization codes for access tokens at Nuvemshop's token endpoint."""

    def __init__(
        self,
        credentials: AppCredentials,
        *,
        user_agent: str,
        token_url: str = TOKEN_URL,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """Keep the app's credentials; `transport` lets the offline demo answer instead."""
        self._credentials = credentials
        self._user_agent = user_agent
        self._token_url = token_url
        self._timeout = timeout
        self._transport = transport

    async def exchange(self, code: str) -> Grant:
        """The store's grant for this code; each code works once.

        A connection is opened per exchange: installs are rare, and a pool held between
        them would only go stale.

        Raises:
            InvalidGrant: the code is unknown, expired or was used already.
            InvalidClient: the app id or secret is wrong.
            AuthorizationError: any other refusal, or an answer without token or store.
            NuvemshopServerError: Nuvemshop failed (5xx).
            NuvemshopUnavailable: no answer at all.
        """
        body = {
            "client_id": self._credentials.app_id,
            "client_secret": self._credentials.client_secret,
            "grant_type": "authorization_code",
            "code": code,
        }
        headers = {"User-Agent": self._user_agent, "Accept": "application/json"}
        async with httpx.AsyncClient(timeout=self._timeout, transport=self._transport) as http:
            try:
                response = await http.post(self._token_url, json=body, headers=headers)
            except httpx.TimeoutException as error:
                logger.warning("nuvemshop token exchange timed out")
                raise NuvemshopUnavailable("the token endpoint timed out") from error
            except httpx.TransportError as error:
                logger.warning("nuvemshop token exchange failed: %s", type(error).__name__)
                raise NuvemshopUnavailable("the token endpoint did not answer") from error
        return _grant(response)


def _grant(response: httpx.Response) -> Grant:
    """Read the token endpoint's answer, whose errors come as 4xx or as a 200 error body."""
    status = response.status_code
    if status >= 500:
        logger.warning("nuvemshop token exchange -> %d", status)
        raise NuvemshopServerError(f"the token endpoint answered {status}", status_code=status)
    payload: Any = _body_or_none(response)
    if not isinstance(payload, dict):
        raise AuthorizationError(
            f"the token endpoint answered {status} without a JSON object", status_code=status
        )
    error = payload.get("error")
    if status >= 400 or error:
        code = str(error or "")
        description = payload.get("error_description") or payload.get("description")
        logger.warning("nuvemshop refused the authorization code: %s (%d)", code or "-", status)
        kind = _ERRORS_BY_CODE.get(code) or (InvalidClient if status == 401 else None)
        raise (kind or AuthorizationError)(
            f"the token endpoint refused the code: {code or status}",
            status_code=status,
            description=str(description) if description is not None else None,
        )
    token = payload.get("access_token")
    store_id = str(payload.get("user_id", "")).strip()
    if not isinstance(token, str) or not token.strip():
        raise AuthorizationError("the token endpoint answered without an access_token")
    if not (store_id.isascii() and store_id.isdigit() and len(store_id) <= MAX_STORE_ID_DIGITS):
        raise AuthorizationError("the token endpoint answered without a store id (user_id)")
    scope = payload.get("scope")
    scopes = tuple(_SCOPE_SEPARATORS.split(scope.strip())) if isinstance(scope, str) else ()
    scopes = tuple(s for s in scopes if s)
    return Grant(store_id=store_id, access_token=token.strip(), scopes=scopes)


def _body_or_none(response: httpx.Response) -> Any:
    """The decoded body, or None when it is not JSON (an HTML error page, say)."""
    try:
        return json_body(response)
    except NuvemshopError:
        return None
