"""Helpers of the reliability tests: a running app, inbound messages, and the ledger of replies.

"Answered exactly once" is read from two places. The outbox's once-only keys
(`{prefix}:{outbox}:once:reply:<id>+<id>...`, in each outbox shard) say which inbound
messages each queued reply answered; they outlive the outbox entries, which the sender
deletes once sent. The fake Graph API's recording list says what reached WhatsApp.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
from redis.asyncio import Redis

from composition.settings import Settings
from integrations.whatsapp.fake_graph import recorded_messages
from integrations.whatsapp.updates import InboundMessage, MessageType
from server.app import create_app
from server.services import Services
from server.shards import Shards

ONE_LINE_TEXTS = ("oi", "qual o horário de vocês?", "obrigado")
"""Texts the rules brain answers with a single message, alone or merged into one burst."""

_ids = itertools.count(1)


def customers(count: int, *, start: int = 0) -> list[str]:
    """Brazilian mobile wa_ids the fake Graph API accepts as recipients."""
    return [f"55119{n:08d}" for n in range(start, start + count)]


def inbound(wa_id: str, text: str, *, tag: str = "rel") -> InboundMessage:
    """A parsed text message from `wa_id`, with a fresh message id."""
    return InboundMessage(
        message_id=f"wamid.{tag}{next(_ids):08d}",
        sender_id=wa_id,
        phone=f"+{wa_id}",
        profile_name="Cliente",
        type=MessageType.TEXT,
        raw_type="text",
        timestamp=datetime.now(UTC),
        text=text,
    )


def now_ms() -> int:
    return int(time.time() * 1000)


@asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, Services]]:
    """The app with its in-process workers, and an HTTP client speaking to it over ASGI."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://atendente") as http:
            yield http, app.state.services


async def wait_until(
    condition: Callable[[], Awaitable[bool]], *, timeout: float, every: float = 0.05
) -> bool:
    """Poll `condition` until it holds or `timeout` seconds pass; returns whether it held."""
    deadline = time.monotonic() + timeout
    while True:
        if await condition():
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(every)


def inbound_streams(prefix: str) -> list[str]:
    """The inbound stream's shards, as the processes of this run split them (see Settings)."""
    return _shards("inbound").streams(prefix)


def outbox_streams(prefix: str) -> list[str]:
    """The outbox stream's shards, as the processes of this run split them."""
    return _shards("outbox").streams(prefix)


def _shards(name: str) -> Shards:
    return Shards(name, Settings(_env_file=None).shard_count)


async def _lengths(redis: Redis, streams: list[str]) -> int:
    return sum([int(await redis.xlen(stream)) for stream in streams])


async def drained(redis: Redis, prefix: str) -> bool:
    """Every inbound entry handled and every queued reply sent (handled entries are deleted)."""
    return await _lengths(redis, inbound_streams(prefix)) == 0 and (
        await _lengths(redis, outbox_streams(prefix)) == 0
    )


async def acknowledged(redis: Redis, prefix: str) -> bool:
    """Every entry of both queues delivered to a worker and acknowledged by one."""
    for streams, group in (
        (inbound_streams(prefix), "atendente"),
        (outbox_streams(prefix), "sender"),
    ):
        for stream in streams:
            groups: Any = await redis.xinfo_groups(stream)
            [info] = [g for g in groups if _text(g["name"]) == group]
            if int(info["pending"]) or int(info.get("lag") or 0):
                return False
    return True


async def pending_by_consumer(
    redis: Redis, streams: list[str], group: str = "atendente"
) -> dict[str, int]:
    """How many entries of `streams` each consumer of `group` took and has not acknowledged."""
    pending: Counter[str] = Counter()
    for stream in streams:
        summary: Any = await redis.xpending(stream, group)
        for consumer in summary.get("consumers") or []:
            pending[_text(consumer["name"])] += int(consumer["pending"])
    return dict(pending)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def dead_letters(redis: Redis, prefix: str) -> int:
    """Entries either queue gave up on."""
    streams = [*inbound_streams(prefix), *outbox_streams(prefix)]
    return await _lengths(redis, [f"{stream}:dead" for stream in streams])


async def reply_ledger(redis: Redis, prefix: str) -> list[list[str]]:
    """The inbound message ids each queued turn reply answered, one list per reply."""
    marker = ":once:reply:"
    pattern = f"{prefix}:{{outbox*}}{marker}*"
    keys = [key.decode() async for key in redis.scan_iter(match=pattern, count=1000)]
    return [key.partition(marker)[2].split("+") for key in keys]


def answer_counts(ledger: list[list[str]]) -> Counter[str]:
    """How many queued replies answered each inbound message id."""
    return Counter(message_id for ids in ledger for message_id in ids)


async def delivered(redis: Redis, prefix: str, wa_id: str) -> list[dict[str, Any]]:
    """What the fake Graph API of an app on `prefix` accepted for `wa_id`, from Redis."""
    return await recorded_messages(redis, f"{prefix}:dev", wa_id)


def texts(recorded: list[dict[str, Any]]) -> list[str]:
    return [str(entry["payload"].get("text", {}).get("body", "")) for entry in recorded]
