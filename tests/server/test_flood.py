"""FloodGuard: ok up to the limit, one notice, then silence until the window ends."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from server.flood import FloodGuard

ANA = "5511987654321"
BRUNO = "5521912345678"


async def test_one_notice_then_silence(redis_client: Redis, prefix: str) -> None:
    guard = FloodGuard(redis_client, prefix, limit=3)
    verdicts = [await guard.check(ANA) for _ in range(6)]
    assert verdicts == ["ok", "ok", "ok", "notify", "silent", "silent"]


async def test_senders_are_counted_apart(redis_client: Redis, prefix: str) -> None:
    guard = FloodGuard(redis_client, prefix, limit=1)
    assert [await guard.check(ANA), await guard.check(ANA)] == ["ok", "notify"]
    assert await guard.check(BRUNO) == "ok"


async def test_the_next_window_starts_over(redis_client: Redis, prefix: str) -> None:
    guard = FloodGuard(redis_client, prefix, limit=1)
    assert [await guard.check(ANA) for _ in range(3)] == ["ok", "notify", "silent"]
    await redis_client.pexpire(guard.key(ANA), 20)  # fast-forward to the window's end
    await asyncio.sleep(0.05)
    assert await guard.check(ANA) == "ok"


async def test_workers_share_the_count(redis_client: Redis, prefix: str) -> None:
    workers = [FloodGuard(redis_client, prefix, limit=5) for _ in range(4)]
    verdicts = await asyncio.gather(*(workers[i % 4].check(ANA) for i in range(20)))
    assert verdicts.count("ok") == 5
    assert verdicts.count("notify") == 1
    assert verdicts.count("silent") == 14


async def test_the_counter_is_tagged_by_sender_and_expires(
    redis_client: Redis, prefix: str
) -> None:
    guard = FloodGuard(redis_client, prefix, window=60)
    await guard.check(ANA)
    key = guard.key(ANA)
    assert key.startswith(prefix) and f"{{{ANA}}}" in key
    assert 0 < await redis_client.ttl(key) <= 60


@pytest.mark.parametrize(("limit", "window"), [(0, 60), (5, 0)])
def test_a_guard_needs_a_positive_limit_and_window(
    redis_client: Redis, prefix: str, limit: int, window: int
) -> None:
    with pytest.raises(ValueError):
        FloodGuard(redis_client, prefix, limit=limit, window=window)
