"""Sharded streams: a customer keeps one shard, shards spread, workers serve every shard.

The Redis-backed tests run on one server and on a three-master cluster (`each_redis`).
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from integrations.redis.client import RedisClient
from server.inbound import InboundIntake
from server.outbox import Outbox
from server.shards import Shards
from server.streams import Fields, ShardedQueue, StreamQueue
from tests.reliability.support import inbound, now_ms

CUSTOMERS = [f"55119{number:08d}" for number in range(60)]


def test_one_shard_keeps_the_unsharded_names() -> None:
    assert Shards("inbound").tags() == ["inbound"]
    assert Shards("inbound", 1).tag_for("5511987654321") == "inbound"


def test_a_customer_always_lands_on_the_same_shard_and_customers_spread() -> None:
    shards = Shards("inbound", 8)
    assert {shards.tag_for(CUSTOMERS[0]) for _ in range(5)} == {shards.tag_for(CUSTOMERS[0])}
    used = Counter(shards.tag_for(customer) for customer in CUSTOMERS)
    assert set(used) == set(shards.tags())
    assert max(used.values()) <= 3 * len(CUSTOMERS) / 8


def test_a_shard_count_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one shard"):
        Shards("inbound", 0)


async def test_messages_go_to_their_customers_shard_once_and_in_order(
    each_redis: RedisClient, prefix: str
) -> None:
    intake = InboundIntake(each_redis, prefix, shards=4)
    messages = [inbound(customer, f"mensagem {n}") for n in range(2) for customer in CUSTOMERS]
    for message in messages:
        assert await intake.store(message, now_ms())
    assert not await intake.store(messages[0], now_ms()), "a redelivery is stored once"

    lengths = [int(await each_redis.xlen(stream)) for stream in intake.streams]
    assert sum(lengths) == len(messages)
    assert all(lengths), "every shard holds some customers"
    texts = []
    for _entry_id, fields in await each_redis.xrange(intake.stream_for(CUSTOMERS[0])):
        stored = intake.decode(fields[b"message"].decode())
        if stored["sender_id"] == CUSTOMERS[0]:
            texts.append(stored["text"])
    assert texts == ["mensagem 0", "mensagem 1"]

    assert await intake.forget(CUSTOMERS[0]) == 2
    assert sum([int(await each_redis.xlen(s)) for s in intake.streams]) == len(messages) - 2


async def test_outbox_pushes_once_per_key_into_the_recipients_shard(
    each_redis: RedisClient, prefix: str
) -> None:
    outbox = Outbox(each_redis, prefix, shards=4)
    for customer in CUSTOMERS:
        assert await outbox.push(customer, [{"text": "oi"}], key=f"k-{customer}", source="test")
        assert not await outbox.push(customer, [{"text": "oi"}], key=f"k-{customer}", source="t")
    assert len(await outbox.entries()) == len(CUSTOMERS)
    [entry] = await outbox.entries(CUSTOMERS[5])
    assert entry.recipient == CUSTOMERS[5]
    assert await outbox.forget(CUSTOMERS[5]) == 1
    assert len(await outbox.entries()) == len(CUSTOMERS) - 1


async def test_a_worker_drains_every_shard_within_its_budget(
    each_redis: RedisClient, prefix: str
) -> None:
    shards = Shards("jobs", 4)
    queue = ShardedQueue(
        [StreamQueue(each_redis, f"{prefix}:{{{tag}}}:stream") for tag in shards.tags()]
    )
    await queue.ensure_group()
    for number in range(40):
        await queue.shards[number % 4].add({"n": str(number)})
    handled: list[str] = []
    in_hand = peak = 0
    stop = asyncio.Event()

    async def handle(fields: Fields) -> None:
        nonlocal in_hand, peak
        in_hand += 1
        peak = max(peak, in_hand)
        await asyncio.sleep(0.01)
        in_hand -= 1
        handled.append(fields["n"])
        if len(handled) == 40:
            stop.set()

    await asyncio.wait_for(queue.run("worker", handle, stop, concurrency=3), timeout=60)

    assert sorted(handled, key=int) == [str(n) for n in range(40)]
    assert peak <= 3 + len(queue.shards), "overshoot is at most one entry per shard"
    assert [int(await each_redis.xlen(stream)) for stream in queue.streams] == [0, 0, 0, 0]
