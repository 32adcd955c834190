"""Inbound WhatsApp messages: admitted once, stored once, fast, before the webhook answers 200.

Two Lua calls, one per hash slot, so both are valid on Redis Cluster:

1. On the customer's slot, admission: the first time a message id is seen, it is counted
   against the flood limit and, when within it, joins the customer's burst list; the
   verdict is remembered per message id, so Meta's redeliveries are never counted twice
   and a flooding customer's notice is never sent twice.
2. On the slot of the customer's inbound stream shard, the message id's once-only key and
   the XADD, together.

A message is thus either stored exactly once or the webhook fails with 503 and Meta
retries (admission then answers from its record and the store is tried again); it is
never acknowledged without being stored. A message joins its burst list a moment before
its stream entry: a turn already running for the customer may answer it then, and the
worker skips the entry as answered when it comes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

from integrations.redis.client import RedisClient
from integrations.redis.protection import PLAIN, Protection
from integrations.whatsapp.updates import InboundMessage
from server.flood import FloodGuard, FloodVerdict
from server.shards import Shards

SEEN_SECONDS = 3 * 24 * 3600
FIELDS = tuple(field.name for field in fields(InboundMessage))
BURST_SECONDS = 24 * 3600
_VERDICTS: tuple[FloodVerdict, ...] = ("ok", "notify", "silent")

_ADMIT = """
local prior = redis.call('HGET', KEYS[2], ARGV[1])
if prior then return {tonumber(prior), 1} end
local verdict = 0
local limit = tonumber(ARGV[2])
if limit > 0 then
  redis.call('SET', KEYS[1], 0, 'EX', ARGV[3], 'NX')
  local count = redis.call('INCR', KEYS[1])
  if count == limit + 1 then verdict = 1 elseif count > limit then verdict = 2 end
end
redis.call('HSET', KEYS[2], ARGV[1], verdict)
redis.call('EXPIRE', KEYS[2], ARGV[4])
if verdict == 0 then
  redis.call('RPUSH', KEYS[3], ARGV[5])
  redis.call('EXPIRE', KEYS[3], ARGV[7])
  redis.call('SET', KEYS[4], ARGV[6], 'EX', ARGV[7])
end
return {verdict, 0}
"""

_STORE_ONCE = """
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('XADD', KEYS[1], '*', 'message', ARGV[2])
  return 1
end
return 0
"""


@dataclass(frozen=True, slots=True)
class Admission:
    """What became of one inbound message."""

    verdict: FloodVerdict
    """The flood guard's verdict: only "ok" messages are stored."""
    repeat: bool
    """Meta delivered this message id before: its notice, if any, was already sent."""
    stored: bool
    """The message entered the inbound stream now (False for a duplicate or a flood)."""


def encode(message: InboundMessage) -> str:
    """A message as JSON for the stream (built field by field: `asdict` deep-copies)."""
    data = {name: getattr(message, name) for name in FIELDS}
    data["type"] = message.type.value
    data["timestamp"] = message.timestamp.isoformat()
    return json.dumps(data, ensure_ascii=False)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def decode(text: str) -> dict[str, Any]:
    """A stream message back as a dict."""
    data: dict[str, Any] = json.loads(text)
    return data


class InboundIntake:
    """Stores inbound messages once, and notes each customer's latest message."""

    def __init__(
        self,
        client: RedisClient,
        prefix: str,
        protection: Protection = PLAIN,
        *,
        shards: int = 1,
    ) -> None:
        """Keep the streams, once-only keys and per-customer bursts under `prefix`.

        `shards` splits the stream by customer (see `server.shards`).
        """
        self._client = client
        self._prefix = prefix
        self._protection = protection
        self._shards = Shards("inbound", shards)
        self.streams = self._shards.streams(prefix)
        self._admit = client.register_script(_ADMIT)
        self._store = client.register_script(_STORE_ONCE)

    def burst_key(self, sender_id: str) -> str:
        """The customer's messages not yet answered, for merging a burst into one turn."""
        return f"{self._prefix}:burst:{{{self._protection.name(sender_id)}}}"

    def answered_key(self, sender_id: str) -> str:
        """The ids of the customer's messages a turn answered, so a retry never answers again."""
        return f"{self._prefix}:answered:{{{self._protection.name(sender_id)}}}"

    def last_seen_key(self, sender_id: str) -> str:
        """When the customer's latest message arrived (ms), for the debounce."""
        return f"{self._prefix}:last-seen:{{{self._protection.name(sender_id)}}}"

    def admitted_key(self, sender_id: str) -> str:
        """The verdict given to each of the customer's message ids, so a redelivery is known."""
        return f"{self._prefix}:admitted:{{{self._protection.name(sender_id)}}}"

    def decode(self, stored: str) -> dict[str, Any]:
        """A message as the stream or a burst list holds it, back as a dict."""
        return decode(self._protection.unseal(stored))

    def stream_for(self, sender_id: str) -> str:
        """The stream (shard) that holds the customer's messages."""
        return self._shards.stream_for(self._prefix, sender_id)

    async def forget(self, sender_id: str) -> int:
        """Delete the customer's messages still waiting in their stream (data deletion)."""
        stream = self.stream_for(sender_id)
        entries: Any = await self._client.xrange(stream)
        doomed = []
        for entry_id, values in entries:
            stored = values.get(b"message") or values.get("message")
            if stored and self.decode(_text(stored)).get("sender_id") == sender_id:
                doomed.append(entry_id)
        if doomed:
            await self._client.xdel(stream, *doomed)
        return len(doomed)

    def _seen_key(self, sender_id: str, message_id: str) -> str:
        """Beside the customer's stream, in its slot, so one Lua call checks and appends."""
        return f"{self._prefix}:{{{self._shards.tag_for(sender_id)}}}:seen:{message_id}"

    async def admit(
        self, message: InboundMessage, now_ms: int, flood: FloodGuard | None = None
    ) -> Admission:
        """Count the message against `flood` (none: no limit) and store it when allowed."""
        encoded = self._protection.seal(encode(message))
        sender = message.sender_id
        guard = flood or FloodGuard(self._prefix, protection=self._protection)
        counter = guard.key(sender)  # counts nothing without a guard (limit 0)
        code, repeat = await self._admit(
            keys=[
                counter,
                self.admitted_key(sender),
                self.burst_key(sender),
                self.last_seen_key(sender),
            ],
            args=[
                message.message_id,
                flood.limit if flood else 0,
                flood.window if flood else 1,
                SEEN_SECONDS,
                encoded,
                now_ms,
                BURST_SECONDS,
            ],
        )
        verdict = _VERDICTS[int(code)]
        if verdict != "ok":
            return Admission(verdict, bool(repeat), stored=False)
        seen = self._seen_key(sender, message.message_id)
        stored = await self._store(
            keys=[self.stream_for(sender), seen], args=[SEEN_SECONDS, encoded]
        )
        return Admission(verdict, bool(repeat), stored=bool(stored))

    async def store(self, message: InboundMessage, now_ms: int) -> bool:
        """Store a message with no flood limit; False when this message id was stored before."""
        return (await self.admit(message, now_ms)).stored
