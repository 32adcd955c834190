"""Flood guard: keep one sender (a script, or a bot in a reply loop) from eating the service.

Each sender gets `limit` messages per window. The first message over it earns one polite
notice; the rest of that window is ignored without a reply, so two bots answering each other
stop after one notice. Counting is one Lua call on Redis, so every webhook process and host
shares the same count for a sender, and the check and the increment cannot race.
"""

from __future__ import annotations

from typing import Any, Literal

from redis.asyncio import Redis

FloodVerdict = Literal["ok", "notify", "silent"]

FLOOD_NOTICE = (
    "Recebi muitas mensagens seguidas 😅 Aguarde um minutinho e me mande sua dúvida de novo, "
    "que eu te respondo."
)
"""Sent once per window; it asks for the message again because the ignored ones stay unread."""

DEFAULT_LIMIT = 20
"""Per window: well above a person typing a burst of short messages, far below a script."""

_COUNT = """
redis.call('SET', KEYS[1], 0, 'EX', ARGV[2], 'NX')
local count = redis.call('INCR', KEYS[1])
local limit = tonumber(ARGV[1])
if count <= limit then return 0 end
if count == limit + 1 then return 1 end
return 2
"""
_VERDICTS: tuple[FloodVerdict, ...] = ("ok", "notify", "silent")


class FloodGuard:
    """Counts each sender's messages in a fixed window that opens with their first message."""

    def __init__(
        self, redis: Redis, prefix: str, *, limit: int = DEFAULT_LIMIT, window: int = 60
    ) -> None:
        """Allow `limit` messages per sender every `window` seconds; keys live under `prefix`.

        Raises:
            ValueError: `limit` or `window` is below 1.
        """
        if limit < 1 or window < 1:
            raise ValueError("flood limit and window must be at least 1")
        self._prefix = prefix
        self._limit = limit
        self._window = window
        self._count = redis.register_script(_COUNT)

    def key(self, sender_id: str) -> str:
        """The sender's counter, hash-tagged by sender like their other keys."""
        return f"{self._prefix}:flood:{{{sender_id}}}"

    async def check(self, sender_id: str) -> FloodVerdict:
        """Count one message from `sender_id` and say what to do with it.

        Returns:
            "ok" to handle it, "notify" to drop it and send `FLOOD_NOTICE` (once per
            window), "silent" to drop it without a reply.
        """
        verdict: Any = await self._count(
            keys=[self.key(sender_id)], args=[self._limit, self._window]
        )
        return _VERDICTS[int(verdict)]
