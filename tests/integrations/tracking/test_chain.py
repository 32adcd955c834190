from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from redis.asyncio import Redis

from integrations.tracking.base import TrackingProvider
from integrations.tracking.cache import TrackingCache
from integrations.tracking.chain import ChainLink, ProviderChain, carrier_chain
from integrations.tracking.correios import CorreiosClient
from integrations.tracking.demo import demo_correios_transport
from integrations.tracking.errors import TrackingUnavailable
from integrations.tracking.models import TrackingInfo
from integrations.tracking.seventeentrack import SeventeenTrackClient
from integrations.tracking.seventeentrack_demo import (
    DEMO_SEVENTEENTRACK_KEY,
    JADLOG_OUT_FOR_DELIVERY,
    demo_seventeentrack_transport,
)

Handler = Callable[[httpx.Request], httpx.Response]


class Counting(httpx.AsyncBaseTransport):
    """Counts the requests that reach a transport."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.calls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        return await self.inner.handle_async_request(request)


def correios_with(handler: Handler) -> tuple[CorreiosClient, Counting]:
    transport = Counting(httpx.MockTransport(handler))
    return CorreiosClient(token="demo-token", transport=transport), transport


def aggregator() -> tuple[SeventeenTrackClient, Counting]:
    transport = Counting(demo_seventeentrack_transport())
    client = SeventeenTrackClient(api_key=DEMO_SEVENTEENTRACK_KEY, transport=transport)
    return client, transport


def down(status: int) -> Handler:
    return lambda request: httpx.Response(status)


def timing_out(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("no answer", request=request)


def demo_correios(request: httpx.Request) -> httpx.Response:
    return demo_correios_transport().handle_request(request)


@pytest.fixture
async def tracker() -> AsyncIterator[tuple[SeventeenTrackClient, Counting]]:
    client, transport = aggregator()
    async with client:
        yield client, transport


def test_chain_is_a_tracking_provider() -> None:
    assert isinstance(ProviderChain([]), TrackingProvider)


async def test_correios_answers_s10_codes_first(
    tracker: tuple[SeventeenTrackClient, Counting],
) -> None:
    correios, correios_calls = correios_with(demo_correios)
    chain = carrier_chain(correios=correios, aggregator=tracker[0])
    result = await chain.lookup("aa123456785br")
    assert (result.outcome, result.source, result.failed) == ("found", "correios", ())
    assert result.info is not None and result.info.carrier == "correios"
    assert (correios_calls.calls, tracker[1].calls) == (1, 0)


async def test_other_carriers_skip_correios(tracker: tuple[SeventeenTrackClient, Counting]) -> None:
    correios, correios_calls = correios_with(demo_correios)
    chain = carrier_chain(correios=correios, aggregator=tracker[0])
    result = await chain.lookup(JADLOG_OUT_FOR_DELIVERY)
    assert (result.outcome, result.source) == ("found", "17track")
    assert result.info is not None and result.info.carrier == "jadlog"
    assert correios_calls.calls == 0


@pytest.mark.parametrize("handler", [down(503), down(500), down(401), timing_out])
async def test_aggregator_covers_for_correios_when_it_fails(
    tracker: tuple[SeventeenTrackClient, Counting], handler: Handler
) -> None:
    correios, _ = correios_with(handler)
    chain = carrier_chain(correios=correios, aggregator=tracker[0])
    result = await chain.lookup("QD610392841BR")
    assert (result.outcome, result.source, result.failed) == ("found", "17track", ("correios",))
    assert result.info is not None and result.info.status == "returned"


async def test_aggregator_is_asked_when_correios_does_not_know_the_code(
    tracker: tuple[SeventeenTrackClient, Counting],
) -> None:
    missing = {"objetos": [{"codObjeto": "AA123456785BR", "mensagem": "SRO-020: não encontrado"}]}
    correios, _ = correios_with(lambda r: httpx.Response(200, json=missing))
    chain = carrier_chain(correios=correios, aggregator=tracker[0])
    result = await chain.lookup("AA123456785BR")
    assert (result.outcome, result.source) == ("found", "17track")


async def test_nobody_knows_the_code(tracker: tuple[SeventeenTrackClient, Counting]) -> None:
    correios, _ = correios_with(demo_correios)
    chain = carrier_chain(correios=correios, aggregator=tracker[0])
    result = await chain.lookup("AB123456780BR")
    assert (result.outcome, result.info, result.failed) == ("not_found", None, ())
    assert await chain.track("AB123456780BR") is None


@pytest.mark.parametrize("handler", [down(503), timing_out])
async def test_everyone_down_is_unavailable(handler: Handler) -> None:
    correios, _ = correios_with(handler)
    tracker = SeventeenTrackClient(api_key="k", transport=httpx.MockTransport(handler))
    chain = carrier_chain(correios=correios, aggregator=tracker)
    result = await chain.lookup("AA123456785BR")
    assert (result.outcome, result.info) == ("unavailable", None)
    assert result.failed == ("correios", "17track")
    with pytest.raises(TrackingUnavailable):
        await chain.track("AA123456785BR")


async def test_one_down_and_one_unknowing_is_unavailable() -> None:
    correios, _ = correios_with(down(503))
    chain = carrier_chain(correios=correios, aggregator=aggregator()[0])
    result = await chain.lookup("AB123456780BR")
    assert (result.outcome, result.failed) == ("unavailable", ("correios",))


class Broken:
    async def track(self, code: str) -> TrackingInfo | None:
        raise KeyError("a field the carrier stopped sending")


async def test_a_broken_provider_does_not_stop_the_chain(
    tracker: tuple[SeventeenTrackClient, Counting],
) -> None:
    chain = ProviderChain([Broken(), tracker[0]])
    assert [link.name for link in chain.links] == ["Broken", "17track"]
    result = await chain.lookup(JADLOG_OUT_FOR_DELIVERY)
    assert (result.outcome, result.source, result.failed) == ("found", "17track", ("Broken",))


async def test_links_only_see_codes_they_accept(
    tracker: tuple[SeventeenTrackClient, Counting],
) -> None:
    chain = ProviderChain([ChainLink("never", Broken(), accepts=lambda code: False), tracker[0]])
    result = await chain.lookup(JADLOG_OUT_FOR_DELIVERY)
    assert result.failed == ()


async def test_absent_providers_are_skipped() -> None:
    chain = carrier_chain()
    assert chain.links == ()
    assert (await chain.lookup("AA123456785BR")).outcome == "not_found"


async def test_found_results_are_cached_and_reused(
    redis_client: Redis, prefix: str, tracker: tuple[SeventeenTrackClient, Counting]
) -> None:
    correios, correios_calls = correios_with(demo_correios)
    cache = TrackingCache(redis_client, prefix=prefix)
    chain = carrier_chain(correios=correios, aggregator=tracker[0], cache=cache)
    first = await chain.lookup("AA123456785BR")
    second = await chain.lookup("AA 123 456 785 BR")
    assert (first.cached, second.cached) == (False, True)
    assert second.info == first.info and second.source == "correios"
    assert correios_calls.calls == 1
    await chain.invalidate("AA123456785BR")
    assert (await chain.lookup("AA123456785BR")).cached is False
    assert correios_calls.calls == 2


async def test_cached_aggregator_answer_spares_a_failing_correios(
    redis_client: Redis, prefix: str, tracker: tuple[SeventeenTrackClient, Counting]
) -> None:
    correios, correios_calls = correios_with(down(503))
    cache = TrackingCache(redis_client, prefix=prefix)
    chain = carrier_chain(correios=correios, aggregator=tracker[0], cache=cache)
    assert (await chain.lookup("QM158204760BR")).source == "17track"
    again = await chain.lookup("QM158204760BR")
    assert (again.cached, again.source) == (True, "17track")
    assert correios_calls.calls == 1
