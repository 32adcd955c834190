"""The WhatsApp customer-service window: 24 h after the customer's last message.

Inside it any message may be sent; outside it only approved templates. A Redis key per
customer that expires 24 h after their last message answers "is it open?" in one GET.
"""

from __future__ import annotations

from integrations.redis.client import RedisClient
from integrations.redis.protection import PLAIN, Protection

WINDOW_SECONDS = 24 * 3600


class ServiceWindow:
    """Tracks, per WhatsApp user id, whether the 24 h window is open."""

    def __init__(self, client: RedisClient, prefix: str, protection: Protection = PLAIN) -> None:
        """Keep one key per customer under `prefix`, named as `protection` names customers."""
        self._client = client
        self._prefix = prefix
        self._protection = protection

    def _key(self, wa_id: str) -> str:
        return f"{self._prefix}:window:{{{self._protection.name(wa_id)}}}"

    async def customer_wrote(self, wa_id: str) -> None:
        """Open (or extend) the window: the customer just sent a message."""
        await self._client.set(self._key(wa_id), b"1", ex=WINDOW_SECONDS)

    async def is_open(self, wa_id: str) -> bool:
        """True when the customer wrote within the last 24 h."""
        return bool(await self._client.exists(self._key(wa_id)))

    async def forget(self, wa_id: str) -> None:
        """Drop what we know of the customer's last message (data deletion)."""
        await self._client.delete(self._key(wa_id))
