"""An in-process 17TRACK API (v2.2) serving the demo store's packages of every carrier.

It answers in the real envelope (`code`, `data.accepted`/`data.rejected`, `track_info` with
`latest_status` and `tracking.providers[].events`, newest first), so the real
`SeventeenTrackClient` runs offline unchanged. Besides the Jadlog and Loggi packages it mirrors
the Correios demo histories, so the demo still tracks them when the Correios API is down.
The demo packages count as registered; any other number is rejected with -18019902 until
`/register` is called, after which 17TRACK has no events for it yet, as in the real service.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from integrations.tracking.correios import correios_status
from integrations.tracking.correios_auth import BRASILIA
from integrations.tracking.demo import DEMO_HISTORIES, DEMO_REFERENCE_TIME
from integrations.tracking.models import TrackingStatus
from integrations.tracking.seventeentrack import NOT_REGISTERED

DEMO_SEVENTEENTRACK_KEY = "demo-17track-key"
JADLOG_OUT_FOR_DELIVERY = "10082400123456"
JADLOG_STALLED = "10082400654321"
LOGGI_DELIVERED = "LGI7K2Q9R4BR01"

Provider = tuple[int, str, str]
"""17TRACK carrier key, name and homepage, as the demo serves them."""
Event = tuple[str, str, str, str]
"""17TRACK stage, local time, description, `CIDADE - UF`."""

CORREIOS: Provider = (2151, "Correios Brazil", "http://www.correios.com.br/")
JADLOG: Provider = (100230, "Jadlog", "https://www.jadlog.com.br/")
LOGGI: Provider = (100468, "Loggi", "https://www.loggi.com/")

DEMO_PACKAGES: dict[str, tuple[Provider, str, str | None, tuple[Event, ...]]] = {
    JADLOG_OUT_FOR_DELIVERY: (
        JADLOG,
        "OutForDelivery",
        None,
        (
            ("InfoReceived", "2026-11-20T17:31:00", "EMISSAO", "SAO PAULO - SP"),
            ("InTransit", "2026-11-20T22:05:00", "ENTRADA", "SAO PAULO - SP"),
            ("InTransit", "2026-11-21T04:40:00", "TRANSFERENCIA", "SAO PAULO - SP"),
            ("InTransit", "2026-11-23T06:12:00", "ENTRADA", "CURITIBA - PR"),
            ("OutForDelivery", "2026-11-24T07:55:00", "EM ROTA", "CURITIBA - PR"),
        ),
    ),
    JADLOG_STALLED: (
        JADLOG,
        "InTransit",
        None,
        (
            ("InfoReceived", "2026-11-10T16:02:00", "EMISSAO", "SAO PAULO - SP"),
            ("InTransit", "2026-11-10T21:47:00", "ENTRADA", "SAO PAULO - SP"),
            ("InTransit", "2026-11-12T05:18:00", "TRANSFERENCIA", "GOIANIA - GO"),
        ),
    ),
    LOGGI_DELIVERED: (
        LOGGI,
        "Delivered",
        None,
        (
            ("InfoReceived", "2026-11-18T14:20:00", "Pacote coletado", "SAO PAULO - SP"),
            ("InTransit", "2026-11-18T23:41:00", "Pacote em trânsito", "SAO PAULO - SP"),
            ("OutForDelivery", "2026-11-19T08:36:00", "Saiu para entrega", "RIO DE JANEIRO - RJ"),
            ("Delivered", "2026-11-19T13:09:00", "Pacote entregue", "RIO DE JANEIRO - RJ"),
        ),
    ),
}

_STATUS_STAGE: dict[TrackingStatus, tuple[str, str | None]] = {
    "posted": ("InfoReceived", None),
    "in_transit": ("InTransit", None),
    "out_for_delivery": ("OutForDelivery", None),
    "delivered": ("Delivered", None),
    "awaiting_pickup": ("AvailableForPickup", None),
    "returned": ("Exception", "Exception_Returned"),
    "lost": ("Exception", "Exception_Lost"),
    "exception": ("DeliveryFailure", None),
    "unknown": ("InTransit", None),
}


def _correios_package(code: str) -> tuple[Provider, str, str | None, tuple[Event, ...]]:
    """A Correios demo history as 17TRACK reports it."""
    history = DEMO_HISTORIES[code]
    events: list[Event] = []
    for sro_code, kind, local, description, unit, _ in history:
        status = correios_status(sro_code, kind, description)
        events.append((_STATUS_STAGE[status][0], local, description, f"{unit[1]} - {unit[2]}"))
    newest = history[-1]
    stage, sub = _STATUS_STAGE[correios_status(newest[0], newest[1], newest[3])]
    return CORREIOS, stage, sub, tuple(events)


def _event(event: Event, shift: timedelta) -> dict[str, Any]:
    """One event as 17TRACK v2.2 serializes it."""
    stage, local, description, place = event
    at = (datetime.fromisoformat(local) + shift).replace(tzinfo=BRASILIA)
    city, _, state = place.partition(" - ")
    return {
        "time_iso": at.isoformat(),
        "time_utc": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "description": description,
        "location": place,
        "stage": stage,
        "sub_status": f"{stage}_Other",
        "address": {"country": "BR", "state": state, "city": city},
    }


def _accepted(
    number: str, package: tuple[Provider, str, str | None, tuple[Event, ...]], shift: timedelta
) -> dict[str, Any]:
    """One accepted item with its `track_info`."""
    (key, name, homepage), stage, sub, history = package
    events = [_event(e, shift) for e in reversed(history)]
    provider = {
        "provider": {
            "key": key,
            "name": name,
            "alias": name,
            "homepage": homepage,
            "country": "BR",
        },
        "latest_sync_status": "Success",
        "events": events,
    }
    latest = {"status": stage, "sub_status": sub or f"{stage}_Other", "sub_status_descr": None}
    return {
        "number": number,
        "carrier": key,
        "track_info": {
            "latest_status": latest,
            "latest_event": events[0] if events else None,
            "tracking": {"providers": [provider]},
        },
    }


def _pending(number: str) -> dict[str, Any]:
    """A number 17TRACK follows but has not fetched yet."""
    latest = {"status": "NotFound", "sub_status": "NotFound_Other", "sub_status_descr": None}
    return {
        "number": number,
        "carrier": 0,
        "track_info": {
            "latest_status": latest,
            "latest_event": None,
            "tracking": {"providers": []},
        },
    }


def _envelope(accepted: list[dict[str, Any]], rejected: list[dict[str, Any]]) -> httpx.Response:
    """The envelope every 17TRACK answer shares."""
    return httpx.Response(
        200, json={"code": 0, "data": {"accepted": accepted, "rejected": rejected}}
    )


def demo_seventeentrack_transport(
    *, api_key: str = DEMO_SEVENTEENTRACK_KEY, now: datetime | None = None
) -> httpx.MockTransport:
    """An httpx transport serving the demo packages, for `SeventeenTrackClient(transport=...)`.

    With `now`, every event moves by `now - DEMO_REFERENCE_TIME`, as in the Correios demo.
    """
    shift = timedelta(0) if now is None else now - DEMO_REFERENCE_TIME
    registered: set[str] = set()

    def lookup(number: str) -> tuple[Provider, str, str | None, tuple[Event, ...]] | None:
        if number in DEMO_PACKAGES:
            return DEMO_PACKAGES[number]
        if number in DEMO_HISTORIES:
            return _correios_package(number)
        return None

    def handle(request: httpx.Request) -> httpx.Response:
        if request.headers.get("17token") != api_key:
            return httpx.Response(401, json={"code": -18010002, "data": {"errors": []}})
        endpoint = request.url.path.rsplit("/", 1)[-1]
        if request.method != "POST" or endpoint not in ("register", "gettrackinfo"):
            return httpx.Response(404)
        try:
            numbers = [str(item["number"]).upper() for item in json.loads(request.content)]
        except (ValueError, TypeError, KeyError):
            return httpx.Response(200, json={"code": -18010013, "data": {"errors": []}})
        accepted: list[dict[str, Any]] = []
        rejected: list[dict[str, Any]] = []
        for number in numbers:
            package = lookup(number)
            if endpoint == "register":
                registered.add(number)
                accepted.append({"number": number, "carrier": package[0][0] if package else 0})
            elif package is not None:
                accepted.append(_accepted(number, package, shift))
            elif number in registered:
                accepted.append(_pending(number))
            else:
                error = {"code": NOT_REGISTERED, "message": f"The {number} is not registered."}
                rejected.append({"number": number, "error": error})
        return _envelope(accepted, rejected)

    return httpx.MockTransport(handle)
