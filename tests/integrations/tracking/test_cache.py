from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from integrations.tracking.cache import TrackingCache
from integrations.tracking.correios_auth import BRASILIA
from integrations.tracking.models import TrackingEvent, TrackingInfo


def package(code: str = "AA123456785BR", carrier: str = "correios") -> TrackingInfo:
    event = TrackingEvent(
        at=datetime(2026, 11, 24, 8, 12, 5, tzinfo=BRASILIA),
        description="Objeto saiu para entrega ao destinatário",
        location="SAO PAULO - SP",
    )
    return TrackingInfo(
        code=code, carrier=carrier, status="out_for_delivery", events=(event,), url="https://x"
    )


async def test_miss_then_hit(redis_client: Redis, prefix: str) -> None:
    cache = TrackingCache(redis_client, prefix=prefix)
    assert await cache.get("AA123456785BR", sources=["correios"]) is None
    await cache.put("correios", package())
    hit = await cache.get("aa 123456785-br", sources=["correios"])
    assert hit == ("correios", package())
    assert await redis_client.exists(f"{prefix}:{{AA123456785BR}}:correios") == 1


async def test_sources_are_separate_and_read_in_order(redis_client: Redis, prefix: str) -> None:
    cache = TrackingCache(redis_client, prefix=prefix)
    await cache.put("17track", package(carrier="correios"))
    assert await cache.get("AA123456785BR", sources=["correios"]) is None
    hit = await cache.get("AA123456785BR", sources=["correios", "17track"])
    assert hit is not None and hit[0] == "17track"
    await cache.put("correios", package())
    hit = await cache.get("AA123456785BR", sources=["correios", "17track"])
    assert hit is not None and hit[0] == "correios"


async def test_entries_carry_the_ttl(redis_client: Redis, prefix: str) -> None:
    cache = TrackingCache(redis_client, prefix=prefix)
    await cache.put("correios", package())
    ttl = await redis_client.pttl(f"{prefix}:{{AA123456785BR}}:correios")
    assert 14 * 60 * 1000 < ttl <= 15 * 60 * 1000
    assert await redis_client.pttl(f"{prefix}:{{AA123456785BR}}") > 14 * 60 * 1000


async def test_entries_expire(redis_client: Redis, prefix: str) -> None:
    cache = TrackingCache(redis_client, prefix=prefix, ttl=timedelta(milliseconds=150))
    await cache.put("correios", package())
    assert await cache.get("AA123456785BR", sources=["correios"]) is not None
    await asyncio.sleep(0.25)
    assert await cache.get("AA123456785BR", sources=["correios"]) is None


async def test_invalidate_drops_every_source(redis_client: Redis, prefix: str) -> None:
    cache = TrackingCache(redis_client, prefix=prefix)
    await cache.put("correios", package())
    await cache.put("17track", package())
    await cache.put("17track", package(code="10082400123456", carrier="jadlog"))
    assert await cache.invalidate("AA123456785BR") == 2
    assert await cache.get("AA123456785BR", sources=["correios", "17track"]) is None
    assert await cache.get("10082400123456", sources=["17track"]) is not None
    assert await cache.invalidate("AA123456785BR") == 0
    assert [k async for k in redis_client.scan_iter(match=f"{prefix}:{{AA123456785BR}}*")] == []


async def test_unreadable_entry_is_a_miss(redis_client: Redis, prefix: str) -> None:
    cache = TrackingCache(redis_client, prefix=prefix)
    await redis_client.set(cache.key("correios", "AA123456785BR"), b"{not json")
    assert await cache.get("AA123456785BR", sources=["correios"]) is None


@pytest.mark.parametrize("code", ["", "ab", "AA{1}23", "x" * 41, "código"])
async def test_odd_codes_never_reach_redis(redis_client: Redis, prefix: str, code: str) -> None:
    cache = TrackingCache(redis_client, prefix=prefix)
    await cache.put("correios", package(code=code))
    assert await cache.get(code, sources=["correios"]) is None
    assert await cache.invalidate(code) == 0
    assert [k async for k in redis_client.scan_iter(match=f"{prefix}*")] == []


async def test_redis_down_is_a_miss(prefix: str) -> None:
    unreachable = Redis(
        host="127.0.0.1", port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0)
    )
    cache = TrackingCache(unreachable, prefix=prefix)
    await cache.put("correios", package())
    assert await cache.get("AA123456785BR", sources=["correios"]) is None
    await unreachable.aclose()


async def test_ttl_must_be_positive(redis_client: Redis, prefix: str) -> None:
    with pytest.raises(ValueError):
        TrackingCache(redis_client, prefix=prefix, ttl=timedelta(0))
