"""Correios bearer tokens issued against a cartão de postagem, cached until shortly before expiry.

Correios' token API (`POST /token/v1/autentica/cartaopostagem`) takes HTTP Basic with the
Meu Correios user and the API access code, and the postage card as `{"numero": ...}`. It
answers with `token` and `expiraEm` (local time, usually without an offset, which comes
apart in `zoneOffset`). A token lasts about a day, so one request serves every lookup in
between; a 401 from the tracking API makes the client drop the token and ask once more.
Neither the token nor the access code is ever logged.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol, runtime_checkable

import httpx

from integrations.clock import utc_now
from integrations.closing import AsyncClosing
from integrations.tracking.errors import TrackingError, TrackingUnavailable, error_for_status

logger = logging.getLogger(__name__)

TOKEN_PATH = "/token/v1/autentica/cartaopostagem"
BRASILIA = timezone(timedelta(hours=-3), "BRT")
"""Correios timestamps carry no offset; they are Brasília time, which has no DST since 2019."""
FALLBACK_LIFETIME = timedelta(hours=1)
"""How long a token without a readable `expiraEm` is trusted, so a format change cannot break
tracking and costs at most one token request an hour."""


@runtime_checkable
class TokenSource(Protocol):
    """Hands out a bearer token, so a client need not know how tokens are issued."""

    async def token(self) -> str:
        """A token believed valid now."""
        ...

    def invalidate(self, token: str) -> None:
        """Forget `token` after the API refused it, so the next call issues a new one."""
        ...


@dataclass(frozen=True, slots=True)
class _Issued:
    """A token and the moment it should be replaced."""

    token: str
    refresh_at: datetime


class CorreiosTokenSource(AsyncClosing):
    """Issues and caches Correios tokens for one postage card; implements `TokenSource`."""

    def __init__(
        self,
        *,
        user: str,
        access_code: str,
        postage_card: str,
        base_url: str = "https://api.correios.com.br",
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        refresh_before: timedelta = timedelta(minutes=5),
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        """Prepare the credentials; no request is made until a token is needed.

        `refresh_before` renews a token that far ahead of its expiry, so a request never
        leaves with a token that dies in flight.
        """
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            auth=httpx.BasicAuth(user, access_code),
            headers={"Accept": "application/json"},
            timeout=timeout,
            transport=transport,
        )
        self._postage_card = postage_card
        self._refresh_before = refresh_before
        self._clock = clock
        self._issued: _Issued | None = None
        self._lock = asyncio.Lock()

    async def aclose(self) -> None:
        """Release the connection pool."""
        await self._http.aclose()

    async def token(self) -> str:
        """The cached token, or a new one when it is missing or about to expire.

        Concurrent callers share one token request instead of each issuing their own.
        """
        current = self._fresh()
        if current is not None:
            return current
        async with self._lock:
            current = self._fresh()
            if current is not None:
                return current
            self._issued = await self._issue()
            return self._issued.token

    def invalidate(self, token: str) -> None:
        """Drop `token` unless another caller already replaced it."""
        if self._issued is not None and self._issued.token == token:
            self._issued = None

    def _fresh(self) -> str | None:
        """The cached token when it is still before its refresh time."""
        issued = self._issued
        if issued is not None and self._clock() < issued.refresh_at:
            return issued.token
        return None

    async def _issue(self) -> _Issued:
        """Ask Correios for a new token and work out when to replace it."""
        try:
            response = await self._http.post(TOKEN_PATH, json={"numero": self._postage_card})
        except httpx.TimeoutException as error:
            logger.warning("correios token request timed out")
            raise TrackingUnavailable("Correios token API timed out") from error
        except httpx.TransportError as error:
            logger.warning("correios token request failed: %s", type(error).__name__)
            raise TrackingUnavailable("Correios token API failed to connect") from error
        if response.status_code >= 400:
            logger.warning("correios token API answered %d", response.status_code)
            raise error_for_status(
                response.status_code, f"Correios token API answered {response.status_code}"
            )
        try:
            body = response.json()
        except ValueError as error:
            raise TrackingError("Correios token API answered without JSON") from error
        token = body.get("token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise TrackingError("Correios token API answered without a token")
        now = self._clock()
        expires = _expiry(body)
        if expires is None:
            logger.warning("correios token without a readable expiry; trusting it briefly")
            expires = now + FALLBACK_LIFETIME
        margin = min(self._refresh_before, max(expires - now, timedelta(0)) / 2)
        logger.info("issued a correios token valid until %s", expires.isoformat())
        return _Issued(token=token, refresh_at=expires - margin)


def _expiry(body: dict[str, Any]) -> datetime | None:
    """`expiraEm` as an aware datetime, using `zoneOffset` or Brasília time for naive values."""
    raw = body.get("expiraEm")
    if not isinstance(raw, str):
        return None
    try:
        expires = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if expires.tzinfo is not None:
        return expires
    return expires.replace(tzinfo=_zone(body.get("zoneOffset")))


def _zone(offset: Any) -> timezone:
    """The `zoneOffset` (`-03:00`) as a timezone; Brasília time when absent or unreadable."""
    text = offset.strip() if isinstance(offset, str) else ""
    match = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", text)
    if match is None:
        return BRASILIA
    sign = -1 if match[1] == "-" else 1
    return timezone(sign * timedelta(hours=int(match[2]), minutes=int(match[3])))
