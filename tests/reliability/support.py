"""Helpers of the reliability tests: a running app, inbound messages, and the ledger of replies.

"Answered exactly once" is read from two places. The outbox's once-only keys
(`{prefix}:{outbox}:once:reply:<id>+<id>...`) say which inbound messages each queued reply
answered; they outlive the outbox entries, which the sender deletes once sent. The fake
Graph API's recording list says what reached WhatsApp.
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


def inbound_stream(prefix: str) -> str:
    return f"{prefix}:{{inbound}}:stream"


def outbox_stream(prefix: str) -> str:
    return f"{prefix}:{{outbox}}:stream"


async def drained(redis: Redis, prefix: str) -> bool:
    """Every inbound entry handled and every queued reply sent (handled entries are deleted)."""
    return await redis.xlen(inbound_stream(prefix)) == 0 and (
        await redis.xlen(outbox_stream(prefix)) == 0
    )


async def acknowledged(redis: Redis, prefix: str) -> bool:
    """Every entry of both queues delivered to a worker and acknowledged by one."""
    for stream, group in ((inbound_stream(prefix), "atendente"), (outbox_stream(prefix), "sender")):
        groups: Any = await redis.xinfo_groups(stream)
        [info] = [g for g in groups if _text(g["name"]) == group]
        if int(info["pending"]) or int(info.get("lag") or 0):
            return False
    return True


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def dead_letters(redis: Redis, prefix: str) -> int:
    """Entries either queue gave up on."""
    streams = (inbound_stream(prefix), outbox_stream(prefix))
    return sum([await redis.xlen(f"{stream}:dead") for stream in streams])


async def reply_ledger(redis: Redis, prefix: str) -> list[list[str]]:
    """The inbound message ids each queued turn reply answered, one list per reply."""
    marker = f"{prefix}:{{outbox}}:once:reply:"
    keys = [key.decode() async for key in redis.scan_iter(match=f"{marker}*", count=1000)]
    return [key[len(marker) :].split("+") for key in keys]


def answer_counts(ledger: list[list[str]]) -> Counter[str]:
    """How many queued replies answered each inbound message id."""
    return Counter(message_id for ids in ledger for message_id in ids)


async def delivered(redis: Redis, prefix: str, wa_id: str) -> list[dict[str, Any]]:
    """What the fake Graph API of an app on `prefix` accepted for `wa_id`, from Redis."""
    return await recorded_messages(redis, f"{prefix}:dev", wa_id)


def texts(recorded: list[dict[str, Any]]) -> list[str]:
    return [str(entry["payload"].get("text", {}).get("body", "")) for entry in recorded]
