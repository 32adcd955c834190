"""Flood guard: keep one sender (a script, or a bot in a reply loop) from eating the service.

Each sender gets `limit` messages per window. The first message over it earns one polite
notice; the rest of that window is ignored without a reply, so two bots answering each other
stop after one notice. The count is kept in Redis and taken inside the inbound admission
call (`server.inbound`), so every webhook process and host shares it, the check and the
increment cannot race, and a redelivered message is never counted twice.
"""

from __future__ import annotations

from typing import Literal

from integrations.redis.protection import PLAIN, Protection

FloodVerdict = Literal["ok", "notify", "silent"]

DEFAULT_LIMIT = 20
"""Per window: well above a person typing a burst of short messages, far below a script."""


class FloodGuard:
    """Each sender's message count in a fixed window that opens with their first message."""

    def __init__(
        self,
        prefix: str,
        *,
        limit: int = DEFAULT_LIMIT,
        window: int = 60,
        protection: Protection = PLAIN,
    ) -> None:
        """Allow `limit` messages per sender every `window` seconds; keys live under `prefix`.

        Raises:
            ValueError: `limit` or `window` is below 1.
        """
        if limit < 1 or window < 1:
            raise ValueError("flood limit and window must be at least 1")
        self._prefix = prefix
        self._protection = protection
        self.limit = limit
        self.window = window

    def key(self, sender_id: str) -> str:
        """The sender's counter, hash-tagged by sender like their other keys."""
        return f"{self._prefix}:flood:{{{self._protection.name(sender_id)}}}"
