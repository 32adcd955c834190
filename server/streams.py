"""Durable work queues on Redis Streams with consumer groups.

A webhook acknowledges as soon as its event is in a stream; any number of workers then
share the work. An entry is acknowledged only after it was handled, so a crashed worker's
entries are claimed again (XAUTOCLAIM) by another, and an entry that keeps failing moves
to a dead-letter stream instead of blocking the queue.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from integrations.redis.client import RedisClient

logger = logging.getLogger(__name__)

Fields = dict[str, str]
Handler = Callable[[Fields], Awaitable[None]]


def stream_was_deleted(error: ResponseError) -> bool:
    """Whether Redis says the stream (and so its group) is gone, as opposed to a real error."""
    text = str(error)
    return "NOGROUP" in text or ("UNBLOCKED" in text and "no longer exists" in text)


@dataclass(frozen=True, slots=True)
class Entry:
    """One stream entry and how many times it has been delivered."""

    entry_id: str
    fields: Fields
    deliveries: int = 1


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _fields(raw: Any) -> Fields:
    return {_text(name): _text(value) for name, value in raw.items()}


DEAD_LETTER_SECONDS = 30 * 24 * 3600
"""How long dead letters are kept after the latest one: the default conversation retention."""


class StreamQueue:
    """One stream, one consumer group, a dead-letter stream beside it."""

    def __init__(
        self,
        client: RedisClient,
        stream: str,
        *,
        group: str = "atendente",
        max_deliveries: int = 5,
        claim_idle_ms: int = 60_000,
        dead_letter_seconds: int = DEAD_LETTER_SECONDS,
    ) -> None:
        """Entries idle for `claim_idle_ms` are retried; after `max_deliveries`, dead-lettered.

        The dead-letter stream expires `dead_letter_seconds` after its latest entry: it holds
        customers' messages, which are kept no longer than their conversations.
        """
        self.client = client
        self.dead_letter_seconds = dead_letter_seconds
        self.stream = stream
        self.dead_letter = f"{stream}:dead"
        self.group = group
        self.max_deliveries = max_deliveries
        self.claim_idle_ms = claim_idle_ms
        self._last_reclaim = float("-inf")

    async def ensure_group(self) -> None:
        """Create the stream and its group once; later calls are no-ops."""
        try:
            await self.client.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    async def add(self, fields: Fields) -> str:
        """Append an entry; returns its id."""
        entry_id: Any = await self.client.xadd(self.stream, dict(fields))  # type: ignore[arg-type]
        return _text(entry_id)

    async def _reclaim(self, consumer: str, count: int) -> list[Entry]:
        """Entries another (dead) consumer left pending too long, now ours."""
        reply: Any = await self.client.xautoclaim(
            self.stream, self.group, consumer, self.claim_idle_ms, "0-0", count=count
        )
        claimed = [(entry_id, fields) for entry_id, fields in reply[1] if fields]
        if not claimed:
            return []
        pending: Any = await self.client.xpending_range(
            self.stream,
            self.group,
            min=_text(claimed[0][0]),
            max=_text(claimed[-1][0]),
            count=len(claimed),
        )
        deliveries = {_text(p["message_id"]): int(p["times_delivered"]) for p in pending}
        return [Entry(_text(i), _fields(f), deliveries.get(_text(i), 1)) for i, f in claimed]

    async def read(
        self, consumer: str, *, count: int = 10, block_ms: int | None = 1000
    ) -> list[Entry]:
        """Reclaimed entries first, then new ones (waiting up to `block_ms`; None: no wait).

        Pending entries are looked at no more often than half the idle time they need.
        """
        now = time.monotonic()
        if now - self._last_reclaim >= self.claim_idle_ms / 2000:
            self._last_reclaim = now
            reclaimed = await self._reclaim(consumer, count)
            if reclaimed:
                return reclaimed
        reply: Any = await self.client.xreadgroup(
            self.group, consumer, {self.stream: ">"}, count=count, block=block_ms
        )
        entries = []
        for _stream, items in reply or []:
            for entry_id, fields in items:
                entries.append(Entry(_text(entry_id), _fields(fields)))
        return entries

    async def ack(self, entry: Entry, *, delete: bool = False) -> None:
        """Mark an entry done; `delete` also removes it (entries holding personal data)."""
        # One transaction: a worker killed between XACK and XDEL would leave the entry, with
        # its personal data, in the stream for good (acknowledged, so never handled again).
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.xack(self.stream, self.group, entry.entry_id)
            if delete:
                pipe.xdel(self.stream, entry.entry_id)
            await pipe.execute()

    async def bury(self, entry: Entry, reason: str) -> None:
        """Move an entry that keeps failing to the dead-letter stream."""
        dead: dict[Any, Any] = {**entry.fields, "error": reason[:500]}
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.xadd(self.dead_letter, dead)
            pipe.expire(self.dead_letter, self.dead_letter_seconds)
            await pipe.execute()
        await self.ack(entry, delete=True)
        logger.error("dead-lettered entry %s of %s: %s", entry.entry_id, self.stream, reason[:200])

    async def _handle(self, entry: Entry, handler: Handler) -> bool:
        """Handle one entry; True when it was done and acknowledged."""
        if entry.deliveries > self.max_deliveries:
            await self.bury(entry, "too many failed attempts")
            return False
        try:
            await handler(entry.fields)
        except Exception as error:  # the entry stays pending and is retried later
            logger.warning(
                "entry %s of %s failed: %s", entry.entry_id, self.stream, type(error).__name__
            )
            return False
        await self.ack(entry, delete=True)
        return True

    async def process(
        self, consumer: str, handler: Handler, *, block_ms: int | None = 1000, count: int = 10
    ) -> int:
        """Read one batch and handle its entries concurrently; returns how many were done."""
        entries = await self.read(consumer, count=count, block_ms=block_ms)
        done = await asyncio.gather(*(self._handle(entry, handler) for entry in entries))
        return sum(done)

    async def run(
        self,
        consumer: str,
        handler: Handler,
        stop: asyncio.Event,
        *,
        concurrency: int = 16,
        budget: Budget | None = None,
    ) -> None:
        """Handle entries, up to `concurrency` at once (or within a shared `budget`), until stop.

        Entries of different customers wait out their debounce side by side; a customer's
        own lock keeps their turns in order. Redis hiccups are waited out, not fatal.
        """
        await self.ensure_group()
        budget = budget or Budget(concurrency)
        running: set[asyncio.Task[bool]] = set()
        try:
            while not stop.is_set():
                if budget.free <= 0:
                    await budget.wait_free()
                    continue
                try:
                    entries = await self.read(consumer, count=min(budget.free, budget.batch))
                except (RedisConnectionError, RedisTimeoutError, OSError) as error:
                    logger.warning("stream %s unavailable: %s", self.stream, type(error).__name__)
                    await asyncio.sleep(1)
                    continue
                except ResponseError as error:
                    if not stream_was_deleted(error):
                        raise
                    # The stream was deleted (a store's data erased, an operator's FLUSHDB,
                    # Redis restarted empty): a blocked read hears UNBLOCKED, the next NOGROUP.
                    logger.warning("stream %s lost its group; recreating it", self.stream)
                    await self.ensure_group()
                    continue
                for entry in entries:
                    budget.take()
                    task = asyncio.create_task(self._handle(entry, handler))
                    running.add(task)
                    task.add_done_callback(running.discard)
                    task.add_done_callback(budget.give)
        finally:
            if running:
                await asyncio.gather(*running, return_exceptions=True)


class Budget:
    """How many entries a worker handles at once, shared by every shard's reading loop.

    Soft by design: a loop reads only while some of the budget is free, at most its share
    of it (`batch`), and then takes what it read, so loops reading at the same moment
    overshoot it by at most one batch each. A hard reservation would instead have idle
    shards hold slots through their blocking reads while a busy shard waits.
    """

    def __init__(self, size: int, *, readers: int = 1) -> None:
        """Allow `size` entries in hand at once, shared by `readers` reading loops."""
        self.size = size
        self.batch = max(1, size // readers)
        """The most one loop reads at once, so all loops together overshoot by `readers`."""
        self.busy = 0
        self._freed = asyncio.Event()

    @property
    def free(self) -> int:
        """How many more entries may be taken now (negative after an overshoot)."""
        return self.size - self.busy

    async def wait_free(self) -> None:
        """Return once an entry in hand was finished."""
        self._freed.clear()
        await self._freed.wait()

    def take(self) -> None:
        """Count one more entry in hand."""
        self.busy += 1

    def give(self, _task: object = None) -> None:
        """One entry was finished (a task's done callback, hence the ignored argument)."""
        self.busy -= 1
        self._freed.set()


class ShardedQueue:
    """One logical queue over the shards of a sharded stream, one consumer group on each.

    A worker runs one reading loop per shard within one shared `Budget`, so the shards, and
    on Redis Cluster the nodes that hold them, are all served.
    """

    def __init__(self, shards: list[StreamQueue]) -> None:
        """Serve `shards` (the same group name on each)."""
        if not shards:
            raise ValueError("a sharded queue needs at least one shard")
        self.shards = shards

    @property
    def group(self) -> str:
        """The consumer group, the same on every shard."""
        return self.shards[0].group

    @property
    def streams(self) -> list[str]:
        """Every shard's stream key."""
        return [shard.stream for shard in self.shards]

    @property
    def claim_idle_ms(self) -> int:
        """How long an entry stays with a consumer before another may claim it."""
        return self.shards[0].claim_idle_ms

    @claim_idle_ms.setter
    def claim_idle_ms(self, value: int) -> None:
        for shard in self.shards:
            shard.claim_idle_ms = value

    async def ensure_group(self) -> None:
        """Create each shard's stream and group once."""
        for shard in self.shards:
            await shard.ensure_group()

    async def read(
        self, consumer: str, *, count: int = 10, block_ms: int | None = 1000
    ) -> list[Entry]:
        """Up to `count` entries from the shards in turn, waiting only on the last one."""
        entries: list[Entry] = []
        for index, shard in enumerate(self.shards):
            if len(entries) >= count:
                break
            last = index == len(self.shards) - 1
            wait = block_ms if last and not entries else None
            entries += await shard.read(consumer, count=count - len(entries), block_ms=wait)
        return entries

    async def process(
        self, consumer: str, handler: Handler, *, block_ms: int = 1000, count: int = 10
    ) -> int:
        """Read one batch from each shard in turn (blocking only on the last); how many done."""
        done = 0
        for index, shard in enumerate(self.shards):
            last = index == len(self.shards) - 1
            done += await shard.process(
                consumer, handler, block_ms=block_ms if last else None, count=count
            )
        return done

    async def run(
        self, consumer: str, handler: Handler, stop: asyncio.Event, *, concurrency: int = 16
    ) -> None:
        """Run every shard's loop until `stop`, with `concurrency` entries in hand at most."""
        budget = Budget(concurrency, readers=len(self.shards))
        await asyncio.gather(
            *(shard.run(consumer, handler, stop, budget=budget) for shard in self.shards)
        )
