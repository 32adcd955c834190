"""Tickets in Redis, and the department notices sent when one opens."""

from __future__ import annotations

from dataclasses import dataclass

from composition.settings import Settings
from composition.wiring import redis_tickets
from integrations.redis.client import RedisClient
from server.outbox import Outbox
from tools.handoff_notify import DepartmentNotifier, NotifyingTicketStore
from tools.ticket_store import RedisTicketStore


@dataclass(frozen=True, slots=True)
class HandoffWiring:
    """The ticket store, the same store notifying departments, and the notifier."""

    store: RedisTicketStore
    notifying: NotifyingTicketStore
    notifier: DepartmentNotifier


def build_handoff(settings: Settings, redis: RedisClient, outbox: Outbox) -> HandoffWiring:
    """Tickets kept as long as conversations; notices through WhatsApp and/or a webhook."""
    store = redis_tickets(settings, redis)
    secret = settings.handoff_webhook_secret
    notifier = DepartmentNotifier(
        whatsapp=settings.handoff_notify_whatsapp or None,
        send=outbox.push if settings.handoff_notify_whatsapp else None,
        webhook_url=settings.handoff_webhook_url,
        webhook_secret=secret.get_secret_value() if secret else None,
        ticket_url=settings.admin_ticket_url,
    )
    store.listen(notifier.on_event)
    return HandoffWiring(store, NotifyingTicketStore(store, notifier), notifier)
