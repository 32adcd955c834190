"""A stream deleted under its blocked readers (a store redact, an operator's FLUSHDB)."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from server.streams import Fields, StreamQueue


async def test_a_loop_survives_its_stream_being_deleted_and_handles_the_next_entry(
    redis_client: Redis, prefix: str
) -> None:
    queue = StreamQueue(redis_client, f"{prefix}:{{jobs}}")
    handled: list[Fields] = []
    seen = asyncio.Event()

    async def handler(fields: Fields) -> None:
        handled.append(fields)
        seen.set()

    stop = asyncio.Event()
    loop = asyncio.create_task(queue.run("worker-1", handler, stop))
    await asyncio.sleep(0.3)  # the loop is now blocked in XREADGROUP
    await redis_client.delete(queue.stream)
    await asyncio.sleep(0.3)
    assert not loop.done(), "the loop died with its stream"
    await queue.add({"n": "1"})
    await asyncio.wait_for(seen.wait(), timeout=10)
    stop.set()
    await asyncio.wait_for(loop, timeout=5)
    assert handled == [{"n": "1"}]
