"""Admission with the flood guard: ok up to the limit, one notice, then silence; never twice."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from server.flood import FloodGuard
from server.inbound import InboundIntake
from tests.reliability.support import inbound, now_ms

ANA = "5511987654321"
BRUNO = "5521912345678"


def intake(redis_client: Redis, prefix: str) -> InboundIntake:
    return InboundIntake(redis_client, prefix)


async def verdicts(gate: InboundIntake, guard: FloodGuard, sender: str, count: int) -> list[str]:
    return [
        (await gate.admit(inbound(sender, "oi"), now_ms(), guard)).verdict for _ in range(count)
    ]


async def test_one_notice_then_silence(redis_client: Redis, prefix: str) -> None:
    guard = FloodGuard(prefix, limit=3)
    gate = intake(redis_client, prefix)
    assert await verdicts(gate, guard, ANA, 6) == ["ok", "ok", "ok", "notify", "silent", "silent"]
    assert await redis_client.xlen(gate.stream_for(ANA)) == 3
    assert await redis_client.llen(gate.burst_key(ANA)) == 3


async def test_senders_are_counted_apart(redis_client: Redis, prefix: str) -> None:
    guard = FloodGuard(prefix, limit=1)
    gate = intake(redis_client, prefix)
    assert await verdicts(gate, guard, ANA, 2) == ["ok", "notify"]
    assert await verdicts(gate, guard, BRUNO, 1) == ["ok"]


async def test_the_next_window_starts_over(redis_client: Redis, prefix: str) -> None:
    guard = FloodGuard(prefix, limit=1)
    gate = intake(redis_client, prefix)
    assert await verdicts(gate, guard, ANA, 3) == ["ok", "notify", "silent"]
    await redis_client.pexpire(guard.key(ANA), 20)  # fast-forward to the window's end
    await asyncio.sleep(0.05)
    assert await verdicts(gate, guard, ANA, 1) == ["ok"]


async def test_workers_share_the_count(redis_client: Redis, prefix: str) -> None:
    guard = FloodGuard(prefix, limit=5)
    gates = [intake(redis_client, prefix) for _ in range(4)]
    admissions = await asyncio.gather(
        *(gates[i % 4].admit(inbound(ANA, "oi"), now_ms(), guard) for i in range(20))
    )
    found = [admission.verdict for admission in admissions]
    assert (found.count("ok"), found.count("notify"), found.count("silent")) == (5, 1, 14)
    assert sum(admission.stored for admission in admissions) == 5


async def test_a_redelivery_keeps_its_first_verdict_and_is_not_counted(
    redis_client: Redis, prefix: str
) -> None:
    guard = FloodGuard(prefix, limit=1)
    gate = intake(redis_client, prefix)
    first, over = inbound(ANA, "oi"), inbound(ANA, "oi de novo")
    admitted = await gate.admit(first, now_ms(), guard)
    assert (admitted.verdict, admitted.repeat, admitted.stored) == ("ok", False, True)
    noticed = await gate.admit(over, now_ms(), guard)
    assert (noticed.verdict, noticed.repeat, noticed.stored) == ("notify", False, False)

    again = [await gate.admit(message, now_ms(), guard) for message in (first, over, first)]

    assert [(a.verdict, a.repeat, a.stored) for a in again] == [
        ("ok", True, False),
        ("notify", True, False),
        ("ok", True, False),
    ]
    assert await redis_client.get(guard.key(ANA)) == b"2"
    assert await redis_client.xlen(gate.stream_for(ANA)) == 1
    assert await redis_client.llen(gate.burst_key(ANA)) == 1


async def test_a_message_admitted_but_not_stored_is_stored_on_redelivery(
    redis_client: Redis, prefix: str
) -> None:
    """Redis failing between the two calls answers 503; Meta's retry must store the message."""
    guard = FloodGuard(prefix, limit=5)
    gate = intake(redis_client, prefix)
    message = inbound(ANA, "cadê meu pedido?")
    await redis_client.hset(gate.admitted_key(ANA), message.message_id, 0)  # admitted, then 503

    retried = await gate.admit(message, now_ms(), guard)

    assert (retried.verdict, retried.repeat, retried.stored) == ("ok", True, True)
    assert await redis_client.xlen(gate.stream_for(ANA)) == 1


async def test_the_keys_are_tagged_by_sender_and_expire(redis_client: Redis, prefix: str) -> None:
    guard = FloodGuard(prefix, window=60)
    gate = intake(redis_client, prefix)
    await gate.admit(inbound(ANA, "oi"), now_ms(), guard)
    for key in (guard.key(ANA), gate.admitted_key(ANA), gate.burst_key(ANA)):
        assert key.startswith(prefix) and f"{{{ANA}}}" in key
        assert await redis_client.ttl(key) > 0
    assert await redis_client.ttl(guard.key(ANA)) <= 60


async def test_without_a_guard_nothing_is_counted(redis_client: Redis, prefix: str) -> None:
    gate = intake(redis_client, prefix)
    stored = [await gate.store(inbound(ANA, "oi"), now_ms()) for _ in range(30)]
    assert all(stored)
    assert not await redis_client.exists(FloodGuard(prefix).key(ANA))


@pytest.mark.parametrize(("limit", "window"), [(0, 60), (5, 0)])
def test_a_guard_needs_a_positive_limit_and_window(prefix: str, limit: int, window: int) -> None:
    with pytest.raises(ValueError):
        FloodGuard(prefix, limit=limit, window=window)
