from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from redis.asyncio import Redis

from integrations.tracking.cache import TrackingCache
from integrations.tracking.chain import carrier_chain
from integrations.tracking.correios import CorreiosClient
from integrations.tracking.demo import DEMO_REFERENCE_TIME, demo_correios_transport
from integrations.tracking.models import TrackingInfo
from integrations.tracking.seventeentrack import SeventeenTrackClient
from integrations.tracking.seventeentrack_demo import (
    DEMO_SEVENTEENTRACK_KEY,
    JADLOG_STALLED,
    demo_seventeentrack_transport,
)
from tools.tracking import TrackingService, carrier_link

Handler = Callable[[httpx.Request], httpx.Response]
ORDER_URL = "https://loja.example.com/rastreio/1001"
KEYS = {"tracking_code", "carrier", "status", "events", "timeline", "url", "problem"}


def correios(handler: Handler | None = None) -> CorreiosClient:
    transport = httpx.MockTransport(handler) if handler else demo_correios_transport()
    return CorreiosClient(token="demo-token", transport=transport)


def aggregator() -> SeventeenTrackClient:
    transport = demo_seventeentrack_transport()
    return SeventeenTrackClient(api_key=DEMO_SEVENTEENTRACK_KEY, transport=transport)


def service(
    *, correios_handler: Handler | None = None, with_aggregator: bool = True
) -> TrackingService:
    chain = carrier_chain(
        correios=correios(correios_handler), aggregator=aggregator() if with_aggregator else None
    )
    return TrackingService(chain, clock=lambda: DEMO_REFERENCE_TIME)


def timing_out(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("no answer", request=request)


def test_carrier_links() -> None:
    assert carrier_link("aa123456785br") == (
        "https://rastreamento.correios.com.br/app/index.php?objetos=AA123456785BR"
    )
    assert carrier_link("10082400123456") == "https://t.17track.net/pt#nums=10082400123456"


async def test_found_package_result() -> None:
    result = await service().track("AA123456785BR", url=ORDER_URL)
    assert set(result) == KEYS
    assert (result["carrier"], result["status"], result["url"]) == (
        "correios",
        "out_for_delivery",
        ORDER_URL,
    )
    assert len(result["events"]) == 4
    assert result["events"][0] == {
        "at": "2026-11-24T08:12:05-03:00",
        "description": "Objeto saiu para entrega ao destinatário",
        "location": "SAO PAULO - SP",
    }
    assert result["timeline"][0] == "24/11 08:12 · Saiu para entrega · São Paulo - SP"
    assert result["problem"] is None
    json.dumps(result)


async def test_without_an_order_link_the_carrier_page_is_given() -> None:
    result = await service().track("AA123456785BR")
    assert result["url"] == carrier_link("AA123456785BR")


async def test_stalled_package_carries_the_problem() -> None:
    result = await service().track("QF704829168BR", url=ORDER_URL)
    assert result["status"] == "in_transit"
    assert result["problem"]["kind"] == "stalled"
    assert result["problem"]["business_days_without_update"] == 8
    assert result["problem"]["last_event"] == "Objeto em transferência - por favor aguarde"


async def test_stalled_jadlog_package_carries_the_problem() -> None:
    result = await service().track(JADLOG_STALLED)
    assert (result["carrier"], result["problem"]["kind"]) == ("jadlog", "stalled")
    assert result["url"] == carrier_link(JADLOG_STALLED)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("QB528419374BR", "awaiting_pickup"),
        ("QD610392841BR", "returned"),
        ("QM158204760BR", "lost"),
    ],
)
async def test_problem_kinds_reach_the_result(code: str, kind: str) -> None:
    result = await service().track(code)
    assert result["problem"]["kind"] == kind and result["problem"]["tracking_code"] == code


async def test_customer_not_receiving_a_delivered_package() -> None:
    tracking = service()
    assert (await tracking.track("QC400289226BR"))["problem"] is None
    result = await tracking.track("QC400289226BR", customer_says_not_received=True)
    assert result["problem"]["kind"] == "delivered_not_received"


@pytest.mark.parametrize("handler", [lambda r: httpx.Response(503), timing_out])
async def test_correios_down_falls_back_to_the_aggregator(handler: Handler) -> None:
    result = await service(correios_handler=handler).track("QM158204760BR", url=ORDER_URL)
    assert (result["status"], result["carrier"], result["url"]) == ("lost", "correios", ORDER_URL)


@pytest.mark.parametrize("handler", [lambda r: httpx.Response(503), timing_out])
async def test_correios_down_alone_still_gives_the_link(handler: Handler) -> None:
    tracking = service(correios_handler=handler, with_aggregator=False)
    result = await tracking.track("AA123456785BR", url=ORDER_URL)
    assert result == {
        "tracking_code": "AA123456785BR",
        "carrier": None,
        "status": "unavailable",
        "events": [],
        "timeline": [],
        "url": ORDER_URL,
        "problem": None,
    }


async def test_everything_down_gives_the_carrier_page() -> None:
    down = httpx.MockTransport(lambda r: httpx.Response(500))
    chain = carrier_chain(
        correios=CorreiosClient(token="t", transport=down),
        aggregator=SeventeenTrackClient(api_key="k", transport=down),
    )
    result = await TrackingService(chain).track("AA123456785BR")
    assert (result["status"], result["url"]) == ("unavailable", carrier_link("AA123456785BR"))


async def test_unknown_code_is_not_found_with_the_link() -> None:
    result = await service().track("AB123456780BR", url=ORDER_URL)
    assert (result["status"], result["url"], result["problem"]) == ("not_found", ORDER_URL, None)


async def test_no_provider_gives_only_the_link() -> None:
    result = await TrackingService(None).track("AA123456785BR", url=ORDER_URL)
    assert (result["status"], result["url"], result["events"]) == ("unknown", ORDER_URL, [])


class Exploding:
    async def track(self, code: str) -> TrackingInfo | None:
        raise RuntimeError("unexpected")


async def test_a_single_broken_provider_never_raises() -> None:
    result = await TrackingService(Exploding()).track("AA123456785BR", url=ORDER_URL)
    assert (result["status"], result["url"]) == ("unavailable", ORDER_URL)


async def test_results_are_cached_until_invalidated(redis_client: Redis, prefix: str) -> None:
    calls: list[str] = []

    def counted(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return demo_correios_transport().handle_request(request)

    tracking = TrackingService(
        correios(counted),
        cache=TrackingCache(redis_client, prefix=prefix),
        clock=lambda: DEMO_REFERENCE_TIME,
    )
    first = await tracking.track("QF704829168BR")
    second = await tracking.track("QF704829168BR")
    assert first == second and len(calls) == 1
    assert second["problem"]["kind"] == "stalled"
    await tracking.invalidate("QF704829168BR")
    await tracking.track("QF704829168BR")
    assert len(calls) == 2
