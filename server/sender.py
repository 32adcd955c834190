"""The sender: delivers the outbox to WhatsApp, each message once.

Turn replies, automations and people's replies all wait in the outbox stream. A part of an
entry is marked sent right after WhatsApp accepts it, so a sender that dies mid-entry
resends only what was not yet accepted, down to each WhatsApp message a long text
splits into. A sender that dies after WhatsApp accepted a message but before marking it
leaves the send uncertain: the Graph API has no idempotency key, so every message carries
`biz_opaque_callback_data`, which Meta echoes in its status webhooks; the webhook records
each echo, and before resending an uncertain part the sender looks for it. Errors WhatsApp
will repeat (a closed 24 h window, a recipient who cannot receive, a malformed message) are
logged and dropped; passing ones leave the entry pending for another try.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from integrations.redis.client import RedisClient
from integrations.redis.layout import thread_ref
from integrations.whatsapp.client import WhatsAppClient
from integrations.whatsapp.errors import WhatsAppError
from integrations.whatsapp.formatting import build_payloads
from server.metrics import record_send
from server.outbox import Outbox
from server.streams import Fields

logger = logging.getLogger(__name__)

SENT_SECONDS = 7 * 24 * 3600


def callback_data(key: str, part: str) -> str:
    """The opaque reference of one part of one outbox entry, as Meta will echo it."""
    return "atd-" + hashlib.sha256(f"{key}:{part}".encode()).hexdigest()[:40]


def accepted_key(prefix: str, reference: str) -> str:
    """Where a status webhook records that Meta accepted the part with `reference`."""
    return f"{prefix}:{{outbox}}:accepted:{reference}"


async def record_acceptance(redis: RedisClient, prefix: str, reference: str) -> None:
    """Note, from a status webhook, that Meta accepted the part sent with `reference`."""
    await redis.set(accepted_key(prefix, reference), b"1", ex=SENT_SECONDS)


class OutboxSender:
    """Sends outbox entries through a `WhatsAppClient`."""

    def __init__(
        self,
        redis: RedisClient,
        prefix: str,
        whatsapp: WhatsAppClient,
        outbox: Outbox | None = None,
    ) -> None:
        """Keep the sent marks beside the outbox, under `prefix`; `outbox` opens its entries."""
        self._redis = redis
        self._prefix = prefix
        self._whatsapp = whatsapp
        self._outbox = outbox or Outbox(redis, prefix)
        self.sent = 0
        self.dropped = 0

    def _mark(self, key: str, part: str) -> str:
        return f"{self._prefix}:{{outbox}}:sent:{key}:{part}"

    async def handle(self, fields: Fields) -> None:
        """Send every part of one entry not yet sent; raise to retry a passing failure."""
        recipient, messages = self._outbox.opened(fields)
        for part, message in enumerate(messages):
            try:
                payloads = build_payloads(recipient, message)
            except ValueError:
                logger.warning("unsendable message to %s dropped", thread_ref(recipient))
                continue
            for piece, payload in enumerate(payloads):
                await self._send_once(fields, recipient, message, payload, f"{part}.{piece}")

    async def _send_once(
        self,
        fields: Fields,
        recipient: str,
        message: dict[str, Any],
        payload: dict[str, Any],
        part: str,
    ) -> None:
        """Send one WhatsApp message unless it was already accepted, then mark it sent."""
        mark = self._mark(fields["key"], part)
        if await self._redis.exists(mark):
            return
        reference = callback_data(fields["key"], part)
        attempted = f"{self._prefix}:{{outbox}}:attempted:{reference}"
        if await self._redis.exists(attempted):
            if await self._redis.exists(accepted_key(self._prefix, reference)):
                # An earlier sender died after Meta took it: the status webhook says so.
                record_send("reconciled")
                await self._redis.set(mark, b"1", ex=SENT_SECONDS)
                return
        await self._redis.set(attempted, b"1", ex=SENT_SECONDS)
        try:
            await self._whatsapp.send_payload(
                recipient, {**payload, "biz_opaque_callback_data": reference}
            )
        except WhatsAppError as error:
            if error.retryable:
                record_send("retried")
                raise
            record_send("failed")
            self.dropped += 1
            logger.warning(
                "message to %s dropped (%s, code %s): %s",
                thread_ref(recipient),
                fields.get("source"),
                error.code,
                type(error).__name__,
            )
        else:
            record_send("template" if message.get("type") == "template" else "sent")
            self.sent += 1
        await self._redis.set(mark, b"1", ex=SENT_SECONDS)
