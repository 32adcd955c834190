from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from integrations.tracking.base import TrackingProvider
from integrations.tracking.correios_auth import BRASILIA
from integrations.tracking.errors import (
    TrackingAuthError,
    TrackingBadRequest,
    TrackingError,
    TrackingRateLimited,
    TrackingServerError,
    TrackingUnavailable,
)
from integrations.tracking.seventeentrack import (
    SeventeenTrackClient,
    carrier_slug,
    seventeentrack_status,
)
from integrations.tracking.seventeentrack_demo import (
    DEMO_SEVENTEENTRACK_KEY,
    JADLOG_OUT_FOR_DELIVERY,
    JADLOG_STALLED,
    LOGGI_DELIVERED,
    demo_seventeentrack_transport,
)

Handler = Callable[[httpx.Request], httpx.Response]


def jadlog_item() -> dict[str, Any]:
    """An accepted item as the v2.2 docs lay out `gettrackinfo` (providers' events newest first)."""
    events = [
        {
            "time_iso": "2026-11-24T07:55:00-03:00",
            "time_utc": "2026-11-24T10:55:00Z",
            "time_raw": {"date": "2026-11-24", "time": "07:55:00", "timezone": None},
            "description": "EM ROTA",
            "location": "CURITIBA - PR",
            "stage": "OutForDelivery",
            "sub_status": "OutForDelivery_Other",
            "address": {"country": "BR", "state": "PR", "city": "CURITIBA"},
        },
        {
            "time_iso": None,
            "time_utc": "2026-11-23T09:12:00Z",
            "description": "ENTRADA",
            "location": None,
            "stage": "InTransit",
            "sub_status": "InTransit_Other",
            "address": {"country": "BR", "state": "PR", "city": "CURITIBA"},
        },
        {
            "time_iso": "2026-11-20T17:31:00-03:00",
            "time_utc": "2026-11-20T20:31:00Z",
            "description": "EMISSAO",
            "location": "SAO PAULO - SP",
            "stage": "InfoReceived",
            "sub_status": "InfoReceived",
        },
    ]
    return {
        "number": "10082400123456",
        "carrier": 100230,
        "param": None,
        "tag": None,
        "track_info": {
            "shipping_info": {"shipper_address": {}, "recipient_address": {}},
            "latest_status": {
                "status": "OutForDelivery",
                "sub_status": "OutForDelivery_Other",
                "sub_status_descr": None,
            },
            "latest_event": events[0],
            "time_metrics": {"days_after_order": 4, "days_of_transit": 4},
            "milestone": [],
            "misc_info": {},
            "tracking": {
                "providers_hash": 123,
                "providers": [
                    {
                        "provider": {
                            "key": 100230,
                            "name": "Jadlog",
                            "alias": "Jadlog",
                            "tel": None,
                            "homepage": "https://www.jadlog.com.br/",
                            "country": "BR",
                        },
                        "service_type": None,
                        "latest_sync_status": "Success",
                        "latest_sync_time": "2026-11-24T11:00:00Z",
                        "events_hash": 456,
                        "events": events,
                    }
                ],
            },
        },
    }


def envelope(
    accepted: list[Any] | None = None, rejected: list[Any] | None = None, code: int = 0
) -> httpx.Response:
    data = {"accepted": accepted or [], "rejected": rejected or []}
    return httpx.Response(200, json={"code": code, "data": data})


def client_with(handler: Handler, **kwargs: Any) -> SeventeenTrackClient:
    return SeventeenTrackClient(api_key="k3y", transport=httpx.MockTransport(handler), **kwargs)


def test_client_is_a_tracking_provider() -> None:
    assert isinstance(client_with(lambda r: envelope()), TrackingProvider)


async def test_parses_the_documented_payload() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return envelope([jadlog_item()])

    async with client_with(handler) as client:
        info = await client.track(" 1008 2400 1234 56 ")
    assert info is not None
    assert (info.code, info.carrier, info.status) == (
        "10082400123456",
        "jadlog",
        "out_for_delivery",
    )
    assert [e.description for e in info.events] == ["EM ROTA", "ENTRADA", "EMISSAO"]
    assert info.events[0].at == datetime(2026, 11, 24, 7, 55, tzinfo=BRASILIA)
    assert info.events[1].at == datetime(2026, 11, 23, 6, 12, tzinfo=BRASILIA)
    assert [e.location for e in info.events] == ["CURITIBA - PR", "CURITIBA - PR", "SAO PAULO - SP"]
    assert info.url == "https://t.17track.net/pt#nums=10082400123456"
    request = seen[0]
    assert str(request.url) == "https://api.17track.net/track/v2.2/gettrackinfo"
    assert request.method == "POST" and request.headers["17token"] == "k3y"
    assert json.loads(request.content) == [{"number": "10082400123456"}]


@pytest.mark.parametrize(
    ("status", "sub_status", "expected"),
    [
        ("InfoReceived", "InfoReceived", "posted"),
        ("InTransit", "InTransit_PickedUp", "in_transit"),
        ("Expired", "Expired_Other", "in_transit"),
        ("AvailableForPickup", "AvailableForPickup_Other", "awaiting_pickup"),
        ("OutForDelivery", "OutForDelivery_Other", "out_for_delivery"),
        ("DeliveryFailure", "DeliveryFailure_NoBody", "exception"),
        ("Delivered", "Delivered_Other", "delivered"),
        ("Exception", "Exception_Returning", "returned"),
        ("Exception", "Exception_Returned", "returned"),
        ("Exception", "Exception_Lost", "lost"),
        ("Exception", "Exception_Damage", "exception"),
        ("SomethingNew", None, "unknown"),
    ],
)
def test_status_mapping(status: str, sub_status: str | None, expected: str) -> None:
    assert seventeentrack_status(status, sub_status) == expected


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Correios Brazil", "correios"),
        ("Jadlog", "jadlog"),
        ("LOGGI", "loggi"),
        ("Total Express", "total_express"),
        ("J&T Express Brazil", "jt_express"),
        ("Sequoia Logística", "sequoia_logistica"),
    ],
)
def test_carrier_slugs(name: str, slug: str) -> None:
    assert carrier_slug(name) == slug


async def test_unregistered_number_is_registered_and_none_for_now() -> None:
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        if request.url.path.endswith("/register"):
            return envelope([{"number": "LGI000", "carrier": 100468}])
        error = {"code": -18019902, "message": "The LGI000 is not registered."}
        return envelope(rejected=[{"number": "LGI000", "error": error}])

    async with client_with(handler) as client:
        assert await client.track("LGI000") is None
    assert paths == ["/track/v2.2/gettrackinfo", "/track/v2.2/register"]

    paths.clear()
    async with client_with(handler, register_unknown=False) as client:
        assert await client.track("LGI000") is None
    assert paths == ["/track/v2.2/gettrackinfo"]


async def test_failed_registration_only_delays_tracking() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/register"):
            return httpx.Response(503)
        error = {"code": -18019902, "message": "not registered"}
        return envelope(rejected=[{"number": "LGI000", "error": error}])

    async with client_with(handler) as client:
        assert await client.track("LGI000") is None


async def test_number_without_events_yet_is_none() -> None:
    item = {
        "number": "LGI000",
        "carrier": 0,
        "track_info": {
            "latest_status": {"status": "NotFound", "sub_status": "NotFound_Other"},
            "tracking": {"providers": []},
        },
    }
    async with client_with(lambda r: envelope([item])) as client:
        assert await client.track("LGI000") is None


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (-18010002, TrackingAuthError),
        (-18010001, TrackingAuthError),
        (-18010003, TrackingServerError),
        (-18010013, TrackingBadRequest),
    ],
)
async def test_envelope_error_codes_are_typed(code: int, error: type[Exception]) -> None:
    async with client_with(lambda r: envelope(code=code)) as client:
        with pytest.raises(error) as caught:
            await client.track("10082400123456")
    assert "k3y" not in str(caught.value)


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, TrackingAuthError), (429, TrackingRateLimited), (503, TrackingServerError)],
)
async def test_http_errors_are_typed(status: int, error: type[Exception]) -> None:
    async with client_with(lambda r: httpx.Response(status)) as client:
        with pytest.raises(error):
            await client.track("10082400123456")


async def test_no_answer_is_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("slow", request=request)

    async with client_with(handler) as client:
        with pytest.raises(TrackingUnavailable):
            await client.track("10082400123456")


@pytest.mark.parametrize("body", ["<html>", "[1, 2]"])
async def test_unexpected_bodies_are_tracking_errors(body: str) -> None:
    async with client_with(lambda r: httpx.Response(200, text=body)) as client:
        with pytest.raises(TrackingError):
            await client.track("10082400123456")


async def test_event_without_time_is_a_tracking_error() -> None:
    item = jadlog_item()
    item["track_info"]["tracking"]["providers"][0]["events"][0]["time_iso"] = "ontem"
    async with client_with(lambda r: envelope([item])) as client:
        with pytest.raises(TrackingError):
            await client.track("10082400123456")


@pytest.fixture
async def demo() -> AsyncIterator[SeventeenTrackClient]:
    transport = demo_seventeentrack_transport()
    async with SeventeenTrackClient(api_key=DEMO_SEVENTEENTRACK_KEY, transport=transport) as c:
        yield c


@pytest.mark.parametrize(
    ("code", "carrier", "status", "latest"),
    [
        (JADLOG_OUT_FOR_DELIVERY, "jadlog", "out_for_delivery", "EM ROTA"),
        (JADLOG_STALLED, "jadlog", "in_transit", "TRANSFERENCIA"),
        (LOGGI_DELIVERED, "loggi", "delivered", "Pacote entregue"),
        (
            "AA123456785BR",
            "correios",
            "out_for_delivery",
            "Objeto saiu para entrega ao destinatário",
        ),
        ("QD610392841BR", "correios", "returned", "Objeto devolvido ao remetente"),
        ("QM158204760BR", "correios", "lost", "Objeto extraviado"),
        (
            "QB528419374BR",
            "correios",
            "awaiting_pickup",
            "Objeto aguardando retirada no endereço indicado",
        ),
    ],
)
async def test_demo_packages(
    demo: SeventeenTrackClient, code: str, carrier: str, status: str, latest: str
) -> None:
    info = await demo.track(code)
    assert info is not None
    assert (info.carrier, info.status, info.events[0].description) == (carrier, status, latest)


async def test_demo_registers_unknown_numbers(demo: SeventeenTrackClient) -> None:
    assert await demo.track("JD0000001") is None  # rejected, then registered
    assert await demo.track("JD0000001") is None  # registered, nothing fetched yet


async def test_demo_moves_to_another_day() -> None:
    now = datetime(2027, 3, 1, 12, 0, tzinfo=BRASILIA)
    transport = demo_seventeentrack_transport(now=now)
    async with SeventeenTrackClient(api_key=DEMO_SEVENTEENTRACK_KEY, transport=transport) as c:
        info = await c.track(JADLOG_OUT_FOR_DELIVERY)
    assert info is not None and info.latest_event is not None
    assert now - info.latest_event.at == timedelta(hours=4, minutes=5)


async def test_demo_refuses_a_wrong_key() -> None:
    transport = demo_seventeentrack_transport()
    async with SeventeenTrackClient(api_key="wrong", transport=transport) as client:
        with pytest.raises(TrackingAuthError):
            await client.track(JADLOG_OUT_FOR_DELIVERY)
