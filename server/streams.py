"""Durable work queues on Redis Streams with consumer groups.

A webhook acknowledges as soon as its event is in a stream; any number of workers then
share the work. An entry is acknowledged only after it was handled, so a crashed worker's
entries are claimed again (XAUTOCLAIM) by another, and an entry that keeps failing moves
to a dead-letter stream instead of blocking the queue.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

Fields = dict[str, str]
Handler = Callable[[Fields], Awaitable[None]]


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


class StreamQueue:
    """One stream, one consumer group, a dead-letter stream beside it."""

    def __init__(
        self,
        client: Redis,
        stream: str,
        *,
        group: str = "atendente",
        max_deliveries: int = 5,
        claim_idle_ms: int = 60_000,
    ) -> None:
        """Entries idle for `claim_idle_ms` are retried; after `max_deliveries`, dead-lettered."""
        self.client = client
        self.stream = stream
        self.dead_letter = f"{stream}:dead"
        self.group = group
        self.max_deliveries = max_deliveries
        self.claim_idle_ms = claim_idle_ms

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

    async def read(self, consumer: str, *, count: int = 10, block_ms: int = 1000) -> list[Entry]:
        """Reclaimed entries first, then new ones (waiting up to `block_ms`)."""
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
        await self.client.xack(self.stream, self.group, entry.entry_id)
        if delete:
            await self.client.xdel(self.stream, entry.entry_id)

    async def bury(self, entry: Entry, reason: str) -> None:
        """Move an entry that keeps failing to the dead-letter stream."""
        dead: dict[Any, Any] = {**entry.fields, "error": reason[:500]}
        await self.client.xadd(self.dead_letter, dead)
        await self.ack(entry, delete=True)
        logger.error("dead-lettered entry %s of %s: %s", entry.entry_id, self.stream, reason[:200])

    async def process(self, consumer: str, handler: Handler, *, block_ms: int = 1000) -> int:
        """Read one batch and handle it; returns how many entries were handled."""
        handled = 0
        for entry in await self.read(consumer, block_ms=block_ms):
            if entry.deliveries > self.max_deliveries:
                await self.bury(entry, "too many failed attempts")
                continue
            try:
                await handler(entry.fields)
            except Exception as error:  # the entry stays pending and is retried later
                logger.warning(
                    "entry %s of %s failed: %s", entry.entry_id, self.stream, type(error).__name__
                )
                continue
            await self.ack(entry, delete=True)
            handled += 1
        return handled

    async def run(self, consumer: str, handler: Handler, stop: asyncio.Event) -> None:
        """Handle entries until `stop` is set; survives Redis hiccups by waiting."""
        await self.ensure_group()
        while not stop.is_set():
            try:
                await self.process(consumer, handler)
            except (RedisConnectionError, RedisTimeoutError, OSError) as error:
                logger.warning("stream %s unavailable: %s", self.stream, type(error).__name__)
                await asyncio.sleep(1)
