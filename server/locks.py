"""The per-customer turn lock, shared by the worker and whatever releases a thread."""

from __future__ import annotations

from integrations.redis.protection import PLAIN, Protection


def turn_lock_key(prefix: str, sender_id: str, protection: Protection = PLAIN) -> str:
    """The per-customer lock the turn worker holds while it runs a turn."""
    return f"{prefix}:lock:{{{protection.name(sender_id)}}}"
