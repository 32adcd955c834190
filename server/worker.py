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
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from agent.burst import merge
from agent.state import Inbound, OutboundMessage
from agent.turn import TurnResult, run_turn, thread_config
from integrations.redis.layout import thread_ref
from integrations.whatsapp.errors import WhatsAppError
from server.dev_playground import note_turn
from server.locks import turn_lock_key
from server.metrics import record_turn, record_turn_error
from server.streams import Fields

if TYPE_CHECKING:
    from server.services import Services

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.05


def reply_key(message_ids: list[str]) -> str:
    """The once-only key of the reply to these messages."""
    return "reply:" + "+".join(message_ids)


class TurnWorker:
    """Handles inbound stream entries for `Services`."""

    def __init__(
        self,
        services: Services,
        *,
        debounce_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`debounce_seconds` of quiet after a customer's latest message close a burst."""
        self._services = services
        self._debounce = debounce_seconds
        self._clock = clock

    async def _wait_for_quiet(self, sender_id: str) -> None:
        """Wait until the customer has been quiet for the debounce window."""
        key = self._services.inbound.last_seen_key(sender_id)
        deadline = self._clock() + self._services.settings.turn_lock_seconds / 2
        while self._clock() < deadline:
            raw = await self._services.redis.get(key)
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
        await self._services.outbox.push(
            sender_id,
            [dict(m) for m in messages],
            key=reply_key(message_ids),
            source="turn",
        )

    async def handle(self, fields: Fields) -> None:
        """Answer the customer of one inbound entry (and the rest of their burst)."""
        services = self._services
        message = services.inbound.decode(fields["message"])
        sender_id = message["sender_id"]
        lock = services.redis.lock(
            turn_lock_key(services.settings.redis_prefix, sender_id, services.protection),
            timeout=services.settings.turn_lock_seconds,
            blocking_timeout=services.settings.turn_lock_seconds,
        )
        async with lock:
            await self._wait_for_quiet(sender_id)
            state = (await services.graph.aget_state(thread_config(sender_id))).values
            last_ids = list((state.get("inbound") or {}).get("message_ids") or [])
            burst_key = services.inbound.burst_key(sender_id)
            raw_burst = [
                r.decode() if isinstance(r, bytes) else str(r)
                for r in await services.redis.lrange(burst_key, 0, -1)
            ]
            seen = {
                message["message_id"],
                *last_ids,
                *(services.inbound.decode(r)["message_id"] for r in raw_burst),
            }
            answered = await self._answered(sender_id, seen)
            if last_ids and not answered.issuperset(last_ids):
                # The previous turn ended before its reply was queued: queue it now, once.
                await self._queue_reply(sender_id, last_ids, list(state.get("outbox") or []))
                await self._mark_answered(sender_id, burst_key, raw_burst, set(last_ids))
                answered.update(last_ids)
            if message["message_id"] in answered:
                await self._mark_answered(sender_id, burst_key, raw_burst, set())
                return
            pending: dict[str, dict[str, Any]] = {}
            for candidate in [*(services.inbound.decode(r) for r in raw_burst), message]:
                if candidate["message_id"] not in answered:
                    pending[candidate["message_id"]] = candidate
            ordered = sorted(pending.values(), key=lambda m: m["timestamp"])
            inbound = merge(ordered)
            await services.window.customer_wrote(sender_id)
            await self._show_typing(ordered[-1]["message_id"])
            result = await self._run(inbound)
            await self._queue_reply(sender_id, inbound["message_ids"], result.messages)
            await self._mark_answered(sender_id, burst_key, raw_burst, set(inbound["message_ids"]))
            logger.info(
                "turn for %s: %d message(s) in, %d out, path=%s",
                thread_ref(sender_id),
                len(ordered),
                len(result.messages),
                ">".join(result.path),
            )

    async def _show_typing(self, message_id: str) -> None:
        """Mark the message read and show "typing…": the customer sees we are on it."""
        try:
            await self._services.whatsapp.client.mark_read(message_id, typing=True)
        except WhatsAppError as error:
            logger.info("could not mark a message read: %s", type(error).__name__)

    async def _run(self, inbound: Inbound) -> TurnResult:
        services = self._services
        brain = services.context.brain.name
        started = time.perf_counter()
        try:
            result = await run_turn(services.graph, services.context, inbound)
        except Exception:
            record_turn_error(time.perf_counter() - started, brain)
            raise
        record_turn(result, time.perf_counter() - started, brain, result.extra.get("node_seconds"))
        if services.settings.serves_playground:
            await note_turn(
                services.redis, services.settings.redis_prefix, inbound["sender_id"], result
            )
        return result

    async def _answered(self, sender_id: str, message_ids: set[str]) -> set[str]:
        """Which of these messages a turn already answered (and queued the reply of)."""
        if not message_ids:
            return set()
        ordered = sorted(message_ids)
        flags = await self._services.redis.smismember(
            self._services.inbound.answered_key(sender_id), ordered
        )
        return {m for m, flag in zip(ordered, flags, strict=True) if flag}

    async def _mark_answered(
        self, sender_id: str, burst_key: str, raw_burst: list[str], done: set[str]
    ) -> None:
        """Record `done` as answered and drop every answered message from the burst list."""
        services = self._services
        key = services.inbound.answered_key(sender_id)
        answered = done | await self._answered(
            sender_id, {services.inbound.decode(r)["message_id"] for r in raw_burst}
        )
        ttl = (services.settings.conversation_ttl_days + 1) * 24 * 3600
        async with services.redis.pipeline(transaction=True) as pipe:
            if done:
                pipe.sadd(key, *done)
                pipe.expire(key, ttl)
            for raw in raw_burst:
                if services.inbound.decode(raw)["message_id"] in answered:
                    pipe.lrem(burst_key, 1, raw)
            await pipe.execute()
