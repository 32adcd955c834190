"""Inbound WhatsApp messages: stored once, fast, before the webhook answers 200.

One Lua call checks the message id (Meta delivers at least once) and appends the message
to the inbound stream, so a message is either stored exactly once or the webhook fails
with 503 and Meta retries; it is never acknowledged without being stored. The stream and
its once-only keys share one hash tag, so the call is valid on Redis Cluster too.
"""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

from redis.asyncio import Redis

from integrations.whatsapp.updates import InboundMessage

SEEN_SECONDS = 3 * 24 * 3600
FIELDS = tuple(field.name for field in fields(InboundMessage))
BURST_SECONDS = 24 * 3600

_STORE_ONCE = """
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('XADD', KEYS[1], '*', 'message', ARGV[2])
  return 1
end
return 0
"""


def encode(message: InboundMessage) -> str:
    """A message as JSON for the stream (built field by field: `asdict` deep-copies)."""
    data = {name: getattr(message, name) for name in FIELDS}
    data["type"] = message.type.value
    data["timestamp"] = message.timestamp.isoformat()
    return json.dumps(data, ensure_ascii=False)


def decode(text: str) -> dict[str, Any]:
    """A stream message back as a dict."""
    data: dict[str, Any] = json.loads(text)
    return data


class InboundIntake:
    """Stores inbound messages once, and notes each customer's latest message."""

    def __init__(self, client: Redis, prefix: str) -> None:
        """Keep the stream, once-only keys and per-customer bursts under `prefix`."""
        self._client = client
        self._prefix = prefix
        self.stream = f"{prefix}:{{inbound}}:stream"
        self._store = client.register_script(_STORE_ONCE)

    def burst_key(self, sender_id: str) -> str:
        """The customer's messages not yet answered, for merging a burst into one turn."""
        return f"{self._prefix}:burst:{{{sender_id}}}"

    def answered_key(self, sender_id: str) -> str:
        """The ids of the customer's messages a turn answered, so a retry never answers again."""
        return f"{self._prefix}:answered:{{{sender_id}}}"

    def last_seen_key(self, sender_id: str) -> str:
        """When the customer's latest message arrived (ms), for the debounce."""
        return f"{self._prefix}:last-seen:{{{sender_id}}}"

    def _seen_key(self, message_id: str) -> str:
        return f"{self._prefix}:{{inbound}}:seen:{message_id}"

    async def already_stored(self, message_id: str) -> bool:
        """Whether this message id was stored before: Meta redelivering, not the customer."""
        return bool(await self._client.exists(self._seen_key(message_id)))

    async def store(self, message: InboundMessage, now_ms: int) -> bool:
        """Store a message; False when this message id was already stored."""
        encoded = encode(message)
        seen = self._seen_key(message.message_id)
        stored = await self._store(keys=[self.stream, seen], args=[SEEN_SECONDS, encoded])
        if not stored:
            return False
        pipe = self._client.pipeline(transaction=False)
        pipe.rpush(self.burst_key(message.sender_id), encoded)
        pipe.expire(self.burst_key(message.sender_id), BURST_SECONDS)
        pipe.set(self.last_seen_key(message.sender_id), now_ms, ex=BURST_SECONDS)
        await pipe.execute()
        return True
