"""The outbound queue: messages waiting for the WhatsApp sender, each queued once.

Automations and the worker put messages here in the shape the graph's `reply` writes. An
idempotency key per notice, checked and recorded in the same Lua call that appends to the
stream, makes a webhook delivered three times produce one message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from integrations.redis.client import RedisClient
from integrations.redis.protection import PLAIN, Protection
from server.shards import Shards

DEDUPE_SECONDS = 7 * 24 * 3600
MAX_LENGTH = 100_000

_PUSH_ONCE = """
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*',
                    'recipient', ARGV[3], 'source', ARGV[4], 'key', ARGV[5], 'messages', ARGV[6])
end
return false
"""


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One queued batch of messages for one customer."""

    entry_id: str
    recipient: str
    source: str
    key: str
    messages: list[dict[str, Any]]


class Outbox:
    """Redis Streams of outbound messages with once-only keys, sharded by recipient.

    Each push touches one stream shard and a once-only key in that shard's slot, so it is
    one Lua call on Redis Cluster too.
    """

    def __init__(
        self,
        client: RedisClient,
        prefix: str,
        protection: Protection = PLAIN,
        *,
        shards: int = 1,
    ) -> None:
        """Keep the streams and their keys under `prefix`; recipients and texts sealed."""
        self._client = client
        self._prefix = prefix
        self._protection = protection
        self._shards = Shards("outbox", shards)
        self.streams = self._shards.streams(prefix)
        self._push = client.register_script(_PUSH_ONCE)

    def stream_for(self, recipient: str) -> str:
        """The stream (shard) the sender reads the recipient's messages from."""
        return self._shards.stream_for(self._prefix, recipient)

    def _dedupe_key(self, recipient: str, key: str) -> str:
        return f"{self._prefix}:{{{self._shards.tag_for(recipient)}}}:once:{key}"

    async def push(
        self, recipient: str, messages: list[dict[str, Any]], *, key: str, source: str
    ) -> str | None:
        """Queue `messages` unless `key` was queued before; returns the entry id or None."""
        entry: Any = await self._push(
            keys=[self.stream_for(recipient), self._dedupe_key(recipient, key)],
            args=[
                DEDUPE_SECONDS,
                MAX_LENGTH,
                self._protection.seal(recipient),
                source,
                key,
                self._protection.seal(json.dumps(messages, ensure_ascii=False)),
            ],
        )
        if entry is None:
            return None
        return entry.decode() if isinstance(entry, bytes) else str(entry)

    async def entries(self, recipient: str | None = None) -> list[OutboxEntry]:
        """Everything queued (oldest first within a shard), optionally for one customer."""
        streams = self.streams if recipient is None else [self.stream_for(recipient)]
        found = []
        for stream in streams:
            found += await self._entries(stream, recipient)
        return found

    async def _entries(self, stream: str, recipient: str | None) -> list[OutboxEntry]:
        found = []
        reply: Any = await self._client.xrange(stream)
        for entry_id, fields in reply:
            data = {k.decode(): v.decode() for k, v in fields.items()}
            to, messages = self.opened(data)
            if recipient is not None and to != recipient:
                continue
            found.append(
                OutboxEntry(
                    entry_id=entry_id.decode(),
                    recipient=to,
                    source=data["source"],
                    key=data["key"],
                    messages=messages,
                )
            )
        return found

    def opened(self, fields: dict[str, str]) -> tuple[str, list[dict[str, Any]]]:
        """The recipient and the messages of one stream entry's fields."""
        recipient = self._protection.unseal(fields["recipient"])
        return recipient, json.loads(self._protection.unseal(fields["messages"]))

    async def forget(self, recipient: str) -> int:
        """Delete the customer's queued messages (data deletion); returns how many."""
        doomed = [entry.entry_id for entry in await self.entries(recipient)]
        if doomed:
            await self._client.xdel(self.stream_for(recipient), *doomed)
        return len(doomed)
