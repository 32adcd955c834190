"""The turn worker: inbound messages in, one graph turn per customer burst, replies queued.

Any number of workers share the inbound stream through a consumer group. For each customer
a Redis lock serialises turns, a short debounce lets a burst of messages ("oi" / "cadê meu
pedido" / "1001") arrive and be answered as one turn. Once a turn's reply is queued, its
message ids join the customer's answered set. A worker that dies mid-turn leaves its entry
pending and, often, the customer writes again before another worker claims it: the set
(not the checkpoint, which only knows the latest turn) says the message was answered. A
turn that ran but died before its reply was queued is the checkpoint's latest turn with
ids not in the set: the next handler queues that reply, under the same once-only key,
before anything else. Each inbound message is thus answered exactly once.

Voice notes are transcribed inside the customer's lock, just before the turn, so the turn
reads them as text; one that cannot be heard still gets an answer, a polite ask to type.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agent.burst import merge
from agent.context import Context
from agent.graph import AgentGraph
from agent.state import Inbound, OutboundMessage
from agent.turn import TurnResult, run_turn, thread_config
from integrations.redis.client import RedisClient
from integrations.redis.layout import thread_ref
from integrations.redis.protection import Protection
from integrations.whatsapp.client import WhatsAppClient
from integrations.whatsapp.errors import WhatsAppError
from integrations.whatsapp.window import ServiceWindow
from server.dev_playground import note_turn
from server.inbound import InboundIntake
from server.locks import turn_lock_key
from server.metrics import record_turn, record_turn_error
from server.outbox import Outbox
from server.streams import Fields
from tools.voice_notes import VoiceNotes

if TYPE_CHECKING:
    from server.services import Services

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.05


@dataclass(frozen=True, slots=True)
class TurnParts:
    """What the turn worker uses of the service, and nothing more."""

    redis: RedisClient
    graph: AgentGraph
    context: Context
    inbound: InboundIntake
    outbox: Outbox
    window: ServiceWindow
    whatsapp: WhatsAppClient
    protection: Protection
    prefix: str
    lock_seconds: float
    """The longest a turn holds its customer's lock."""
    answered_seconds: int
    """How long the answered message ids are kept: past the conversation's own retention."""
    note_turns: bool
    """Whether each turn is noted for the development playground."""
    voice: VoiceNotes | None = None
    """Transcribes voice notes before the turn; None (no model) asks the customer to type."""

    @classmethod
    def of(cls, services: Services) -> TurnParts:
        """The turn worker's parts of a running service."""
        settings = services.settings
        return cls(
            redis=services.redis,
            graph=services.graph,
            context=services.context,
            inbound=services.inbound,
            outbox=services.outbox,
            window=services.window,
            whatsapp=services.whatsapp.client,
            protection=services.protection,
            prefix=settings.redis_prefix,
            lock_seconds=settings.turn_lock_seconds,
            answered_seconds=(settings.conversation_ttl_days + 1) * 24 * 3600,
            note_turns=settings.serves_playground,
            voice=services.voice,
        )


def reply_key(message_ids: list[str]) -> str:
    """The once-only key of the reply to these messages."""
    return "reply:" + "+".join(message_ids)


class TurnWorker:
    """Handles inbound stream entries with the parts of the service a turn uses."""

    def __init__(
        self,
        parts: TurnParts,
        *,
        debounce_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`debounce_seconds` of quiet after a customer's latest message close a burst."""
        self._parts = parts
        self._debounce = debounce_seconds
        self._clock = clock

    async def _wait_for_quiet(self, sender_id: str) -> None:
        """Wait until the customer has been quiet for the debounce window."""
        key = self._parts.inbound.last_seen_key(sender_id)
        deadline = self._clock() + self._parts.lock_seconds / 2
        while self._clock() < deadline:
            raw = await self._parts.redis.get(key)
            last_ms = int(raw) if raw else 0
            remaining = last_ms / 1000 + self._debounce - self._clock()
            if remaining <= 0:
                return
            await asyncio.sleep(min(remaining, 0.5))

    async def _queue_reply(
        self, sender_id: str, message_ids: list[str], messages: list[OutboundMessage]
    ) -> None:
        if not messages:
            return
        await self._parts.outbox.push(
            sender_id,
            [dict(m) for m in messages],
            key=reply_key(message_ids),
            source="turn",
        )

    async def handle(self, fields: Fields) -> None:
        """Answer the customer of one inbound entry (and the rest of their burst)."""
        parts = self._parts
        message = parts.inbound.decode(fields["message"])
        sender_id = message["sender_id"]
        lock = parts.redis.lock(
            turn_lock_key(parts.prefix, sender_id, parts.protection),
            timeout=parts.lock_seconds,
            blocking_timeout=parts.lock_seconds,
        )
        async with lock:
            await self._wait_for_quiet(sender_id)
            state = (await parts.graph.aget_state(thread_config(sender_id))).values
            last_ids = list((state.get("inbound") or {}).get("message_ids") or [])
            burst_key = parts.inbound.burst_key(sender_id)
            # Each entry decoded (and, with a key, decrypted) once: (as stored, as a dict).
            burst = [
                (raw, parts.inbound.decode(raw))
                for raw in (
                    r.decode() if isinstance(r, bytes) else str(r)
                    for r in await parts.redis.lrange(burst_key, 0, -1)
                )
            ]
            seen = {message["message_id"], *last_ids, *(m["message_id"] for _, m in burst)}
            answered = await self._answered(sender_id, seen)
            if last_ids and not answered.issuperset(last_ids):
                # The previous turn ended before its reply was queued: queue it now, once.
                await self._queue_reply(sender_id, last_ids, list(state.get("outbox") or []))
                await self._mark_answered(sender_id, burst_key, burst, set(last_ids))
                answered.update(last_ids)
            if message["message_id"] in answered:
                await self._mark_answered(sender_id, burst_key, burst, set())
                return
            pending: dict[str, dict[str, Any]] = {}
            for candidate in [*(m for _, m in burst), message]:
                if candidate["message_id"] not in answered:
                    pending[candidate["message_id"]] = candidate
            ordered = sorted(pending.values(), key=lambda m: m["timestamp"])
            await parts.window.customer_wrote(sender_id)
            await self._show_typing(ordered[-1]["message_id"])
            inbound = merge(await self._hear(ordered))
            result = await self._run(inbound)
            await self._queue_reply(sender_id, inbound["message_ids"], result.messages)
            await self._mark_answered(sender_id, burst_key, burst, set(inbound["message_ids"]))
            logger.info(
                "turn for %s: %d message(s) in, %d out, path=%s",
                thread_ref(sender_id),
                len(ordered),
                len(result.messages),
                ">".join(result.path),
            )

    async def _hear(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The burst with each voice note's transcript, or marked unheard when it failed.

        Runs while the customer sees "typing…", all of a burst's voice notes at once; a
        retried turn transcribes again rather than keep the words outside the checkpoint.
        """
        voice = self._parts.voice
        notes = [m for m in messages if m.get("type") == "audio" and m.get("media_id")]
        if voice is None or not notes:
            return messages
        heard = await asyncio.gather(*(voice.transcript(m["media_id"]) for m in notes))
        words = {m["message_id"]: text for m, text in zip(notes, heard, strict=True)}

        def with_words(message: dict[str, Any]) -> dict[str, Any]:
            if message["message_id"] not in words:
                return message
            text = words[message["message_id"]]
            return {**message, "transcript": text} if text else {**message, "unheard": True}

        return [with_words(m) for m in messages]

    async def _show_typing(self, message_id: str) -> None:
        """Mark the message read and show "typing…": the customer sees we are on it."""
        try:
            await self._parts.whatsapp.mark_read(message_id, typing=True)
        except WhatsAppError as error:
            logger.info("could not mark a message read: %s", type(error).__name__)

    async def _run(self, inbound: Inbound) -> TurnResult:
        parts = self._parts
        brain = parts.context.brain.name
        started = time.perf_counter()
        try:
            result = await run_turn(parts.graph, parts.context, inbound)
        except Exception:
            record_turn_error(time.perf_counter() - started, brain)
            raise
        record_turn(result, time.perf_counter() - started, brain, result.extra.get("node_seconds"))
        if parts.note_turns:
            await note_turn(parts.redis, parts.prefix, inbound["sender_id"], result)
        return result

    async def _answered(self, sender_id: str, message_ids: set[str]) -> set[str]:
        """Which of these messages a turn already answered (and queued the reply of)."""
        if not message_ids:
            return set()
        ordered = sorted(message_ids)
        flags = await self._parts.redis.smismember(
            self._parts.inbound.answered_key(sender_id), ordered
        )
        return {m for m, flag in zip(ordered, flags, strict=True) if flag}

    async def _mark_answered(
        self,
        sender_id: str,
        burst_key: str,
        burst: list[tuple[str, dict[str, Any]]],
        done: set[str],
    ) -> None:
        """Record `done` as answered and drop every answered message from the burst list."""
        parts = self._parts
        key = parts.inbound.answered_key(sender_id)
        answered = done | await self._answered(sender_id, {m["message_id"] for _, m in burst})
        ttl = parts.answered_seconds
        async with parts.redis.pipeline(transaction=True) as pipe:
            if done:
                pipe.sadd(key, *done)
                pipe.expire(key, ttl)
            for raw, decoded in burst:
                if decoded["message_id"] in answered:
                    pipe.lrem(burst_key, 1, raw)
            await pipe.execute()
