"""Tracking for the carriers without a client of their own (Jadlog, Loggi, ...) via 17TRACK.

17TRACK (Tracking API v2.2) looks a package up by the carrier's own code, which is what a
Nuvemshop order holds, and covers the Brazilian carriers that publish no tracking API. Every
call is a POST of a JSON list with the `17token` header; answers share one envelope,
`{"code": 0, "data": {"accepted": [...], "rejected": [...]}}`. 17TRACK only answers for numbers
registered with it: an unregistered one is rejected with -18019902, so the client registers it
and answers None for now (17TRACK fetches it in the background and the next lookup finds it).
The API key is never logged.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

import httpx

from integrations.closing import AsyncClosing
from integrations.tracking.correios_auth import BRASILIA
from integrations.tracking.errors import (
    TrackingAuthError,
    TrackingBadRequest,
    TrackingError,
    TrackingServerError,
    TrackingUnavailable,
    error_for_status,
)
from integrations.tracking.models import TrackingEvent, TrackingInfo, TrackingStatus
from integrations.tracking.s10 import normalize_tracking_code
from integrations.tracking.text import fold

logger = logging.getLogger(__name__)

SOURCE = "17track"
API_URL = "https://api.17track.net/track/v2.2"
PUBLIC_TRACKING_URL = "https://t.17track.net/pt#nums={code}"
NOT_REGISTERED = -18019902
_AUTH_CODES = frozenset({-18010001, -18010002, -18010004, -18010005})
_SERVER_CODES = frozenset({-18010003})

_MAIN_STATUS: dict[str, TrackingStatus] = {
    "InfoReceived": "posted",
    "InTransit": "in_transit",
    "Expired": "in_transit",
    "AvailableForPickup": "awaiting_pickup",
    "OutForDelivery": "out_for_delivery",
    "DeliveryFailure": "exception",
    "Delivered": "delivered",
    "Exception": "exception",
}
"""17TRACK's main statuses; `Expired` (no news for long) stays in transit so that problem
detection judges the silence by the date of the last event, as for every carrier."""
_SUB_STATUS: dict[str, TrackingStatus] = {
    "Exception_Returning": "returned",
    "Exception_Returned": "returned",
    "Exception_Lost": "lost",
}
# Checked in order against the accent-free, lower-case carrier name 17TRACK reports.
_CARRIER_NAMES: tuple[tuple[str, str], ...] = (
    ("correios", "correios"),
    ("jadlog", "jadlog"),
    ("loggi", "loggi"),
    ("total express", "total_express"),
    ("azul cargo", "azul_cargo"),
    ("j&t", "jt_express"),
)


def seventeentrack_status(status: str, sub_status: str | None) -> TrackingStatus:
    """Map 17TRACK's main status and sub-status onto the carrier-neutral status.

    Returns and losses are sub-statuses of `Exception` in 17TRACK, so they are read first.
    """
    if sub_status in _SUB_STATUS:
        return _SUB_STATUS[sub_status]
    return _MAIN_STATUS.get(status, "unknown")


def carrier_slug(name: str) -> str:
    """Our name for the carrier 17TRACK names (`Jadlog` -> `jadlog`), stable across spellings."""
    folded = fold(name)
    for needle, slug in _CARRIER_NAMES:
        if needle in folded:
            return slug
    return re.sub(r"[^a-z0-9]+", "_", folded).strip("_") or SOURCE


class SeventeenTrackClient(AsyncClosing):
    """Tracks packages of any carrier 17TRACK covers; implements `TrackingProvider`."""

    source = SOURCE
    """The name a `ProviderChain` and the tracking cache know this provider by."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str = API_URL,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        register_unknown: bool = True,
    ) -> None:
        """Open a connection pool that sends the API key with every request.

        `register_unknown` registers numbers 17TRACK does not follow yet; each registration
        spends one unit of the account's tracking quota.
        """
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"17token": api_key, "Accept": "application/json"},
            timeout=timeout,
            transport=transport,
        )
        self._register_unknown = register_unknown

    async def aclose(self) -> None:
        """Release the connection pool."""
        await self._http.aclose()

    async def track(self, code: str) -> TrackingInfo | None:
        """The package's history, or None when 17TRACK does not (yet) know the code."""
        number = normalize_tracking_code(code)
        if not number:
            return None
        data = await self._post("/gettrackinfo", [{"number": number}])
        for item in _items(data, "accepted"):
            if str(item.get("number", "")).upper() == number:
                return _info(number, item)
        for item in _items(data, "rejected"):
            reason = _obj(item.get("error")).get("code")
            if reason == NOT_REGISTERED and self._register_unknown:
                await self._register(number)
            else:
                logger.info("17track rejected the number (%s)", reason)
        return None

    async def _register(self, number: str) -> None:
        """Ask 17TRACK to start following `number`; a failure only delays its tracking."""
        try:
            await self._post("/register", [{"number": number}])
        except TrackingError as error:
            logger.warning("17track registration failed: %s", type(error).__name__)
        else:
            logger.info("registered a number with 17track")

    async def _post(self, path: str, payload: list[dict[str, Any]]) -> dict[str, Any]:
        """POST to one endpoint and return `data`, mapping failures onto `TrackingError`s."""
        try:
            response = await self._http.post(path, json=payload)
        except httpx.TimeoutException as error:
            logger.warning("17track timed out")
            raise TrackingUnavailable("17TRACK timed out") from error
        except httpx.TransportError as error:
            logger.warning("17track failed: %s", type(error).__name__)
            raise TrackingUnavailable("17TRACK failed to connect") from error
        status = response.status_code
        if status >= 400:
            logger.warning("17track answered %d", status)
            raise error_for_status(status, f"17TRACK answered {status}")
        try:
            body = response.json()
        except ValueError as error:
            raise TrackingError("17TRACK answered without JSON", status_code=status) from error
        if not isinstance(body, dict):
            raise TrackingError("17TRACK answered without an envelope", status_code=status)
        code = body.get("code")
        if code != 0:
            logger.warning("17track answered error code %s", code)
            message = f"17TRACK answered error code {code}"
            if code in _AUTH_CODES:
                raise TrackingAuthError(message, status_code=status)
            if code in _SERVER_CODES:
                raise TrackingServerError(message, status_code=status)
            raise TrackingBadRequest(message, status_code=status)
        data = body.get("data")
        return data if isinstance(data, dict) else {}


def _obj(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else an empty one, so parsing never trips on nulls."""
    return value if isinstance(value, dict) else {}


def _items(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The objects of `data[key]`, ignoring anything that is not one."""
    items = data.get(key)
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _info(number: str, item: dict[str, Any]) -> TrackingInfo | None:
    """An accepted item as `TrackingInfo`; None while 17TRACK has nothing on the package."""
    track = _obj(item.get("track_info"))
    latest = _obj(track.get("latest_status"))
    main = str(latest.get("status") or "")
    sub = latest.get("sub_status")
    providers = _items(_obj(track.get("tracking")), "providers")
    provider = providers[0] if providers else {}
    events = sorted(
        (_event(raw) for raw in _items(provider, "events")),
        key=lambda event: event.at,
        reverse=True,
    )
    if not events and main in ("", "NotFound"):
        return None
    name = str(_obj(provider.get("provider")).get("name") or "")
    return TrackingInfo(
        code=number,
        carrier=carrier_slug(name) if name else SOURCE,
        status=seventeentrack_status(main, str(sub) if sub else None),
        events=tuple(events),
        url=PUBLIC_TRACKING_URL.format(code=number),
    )


def _event(raw: dict[str, Any]) -> TrackingEvent:
    """One 17TRACK event; `time_iso` carries the carrier's local offset."""
    stamp = raw.get("time_iso") or raw.get("time_utc")
    try:
        at = datetime.fromisoformat(str(stamp))
    except ValueError as error:
        raise TrackingError("17TRACK event without a readable time") from error
    if at.tzinfo is None:
        at = at.replace(tzinfo=BRASILIA)
    return TrackingEvent(
        at=at,
        description=str(raw.get("description") or "").strip(),
        location=_place(raw),
    )


def _place(raw: dict[str, Any]) -> str | None:
    """`location` as 17TRACK gives it, else `city - state` from its address."""
    location = str(raw.get("location") or "").strip()
    if location:
        return location
    address = raw.get("address")
    if not isinstance(address, dict):
        return None
    parts = [str(address.get(k) or "").strip() for k in ("city", "state")]
    return " - ".join(p for p in parts if p) or None
