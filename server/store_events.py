"""Store webhooks, after their signature checked out: queue them once, then act on them.

The webhook answers as soon as the event is in the stream; a worker then refreshes what we
know of the order and queues the customer's notice, or deletes the store's data when it
uninstalled the app. Duplicated deliveries of an event that
notifies a customer are dropped at the door, and the outbox's own once-only key backs that.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from integrations.nuvemshop.cache import CachedNuvemshopClient
from integrations.nuvemshop.client import NuvemshopClient
from integrations.nuvemshop.webhooks import APP_UNINSTALLED
from integrations.redis.client import RedisClient
from integrations.redis.protection import PLAIN, Protection
from integrations.whatsapp.window import ServiceWindow
from server.outbox import Outbox
from server.privacy import PRIVACY_EVENTS, PrivacyService
from server.streams import Fields, StreamQueue
from tools.automations import EVENT_KINDS, notice_for, whatsapp_id
from tools.tracking import TrackingService

logger = logging.getLogger(__name__)

DEDUPE_SECONDS = 3 * 24 * 3600


def delivery_subject(event: str, payload: dict[str, Any]) -> str:
    """What makes two deliveries the same event: the order's id, or the whole privacy request.

    LGPD payloads carry no top-level `id`, so keying them on it made every
    `customers/redact` after the first, for any customer, a "duplicate". A privacy request
    is keyed on a digest of its canonical JSON instead: Nuvemshop's retries send the same
    body and collapse, another customer's request is another key, and the key names no one.
    """
    if event in PRIVACY_EVENTS:
        canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()
    return str(payload.get("id"))


class StoreEventIntake:
    """Puts verified webhook payloads on the store-events stream, once per event."""

    def __init__(
        self, client: RedisClient, queue: StreamQueue, prefix: str, protection: Protection = PLAIN
    ) -> None:
        """Remember which events were queued under `prefix`; payloads are sealed."""
        self._client = client
        self._queue = queue
        self._prefix = prefix
        self._protection = protection

    async def accept(self, event: str, payload: dict[str, Any]) -> bool:
        """Queue the event; False when it is a repeat delivery of one already queued."""
        if event in EVENT_KINDS or event in PRIVACY_EVENTS:
            key = f"{self._prefix}:webhook-seen:{payload.get('store_id')}:{event}:"
            key += delivery_subject(event, payload)
            if not await self._client.set(key, b"1", nx=True, ex=DEDUPE_SECONDS):
                return False
        sealed = self._protection.seal(json.dumps(payload))
        await self._queue.add({"event": event, "payload": sealed})
        return True


@dataclass
class StoreEventHandler:
    """Acts on one store event: notices for order events, data duties for privacy ones."""

    nuvemshop: NuvemshopClient
    outbox: Outbox
    window: ServiceWindow
    privacy: PrivacyService
    automations: dict[str, bool]
    templates: dict[str, str]
    tracking: TrackingService | None = None
    protection: Protection = PLAIN
    """Opens the payloads `StoreEventIntake` sealed."""

    async def __call__(self, fields: Fields) -> None:
        """Handle one stream entry; raising leaves it pending for a retry."""
        event = fields["event"]
        payload = json.loads(self.protection.unseal(fields["payload"]))
        if event in PRIVACY_EVENTS:
            await self.privacy.handle(event, payload)
            return
        if event == APP_UNINSTALLED:
            # The store left: what we hold about it goes as with store/redact.
            await self.privacy.redact_store()
            return
        order_id = payload.get("order_id") or payload.get("id")
        text = str(order_id)
        if not isinstance(order_id, int | str) or not (text.isascii() and text.isdigit()):
            logger.warning("store event %s without an order id", event)
            return
        if isinstance(self.nuvemshop, CachedNuvemshopClient):
            await self.nuvemshop.cache.invalidate_order(self.nuvemshop.store_id, int(order_id))
        order = await self.nuvemshop.get_order(int(order_id))
        if order is not None and order.shipping_tracking_number and self.tracking is not None:
            await self.tracking.invalidate(order.shipping_tracking_number)
        if order is None:
            logger.info("store event %s for an order that no longer exists", event)
            return
        recipient = whatsapp_id(order.contact_phone)
        window_open = bool(recipient) and await self.window.is_open(recipient or "")
        notice = notice_for(
            event,
            order,
            window_open=window_open,
            enabled=self.automations,
            templates=self.templates,
        )
        if notice is None:
            return
        queued = await self.outbox.push(
            notice.recipient,
            [notice.as_message()],
            key=notice.idempotency_key,
            source=f"automation:{notice.kind}",
        )
        logger.info(
            "automation %s for order %s: %s",
            notice.kind,
            notice.order_number,
            "queued" if queued else "already queued",
        )
