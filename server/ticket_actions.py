"""What staff do to a ticket, one path for the admin API, the inbox and the playground.

A reply goes out through the outbox like any bot message (so the sender delivers it once)
and lands on the ticket's timeline; WhatsApp carries free text and media only inside the
customer's 24 h window, and only approved templates outside it, so a reply that would fail
is refused (409) instead of queued. A release takes the worker's turn lock
(`server.idle_release.release_ticket`), closes the ticket and tells the customer the bot
is back.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastapi import HTTPException, status
from redis.exceptions import LockError

from integrations.whatsapp.client import WhatsAppClient
from integrations.whatsapp.errors import WhatsAppError
from integrations.whatsapp.window import ServiceWindow
from server.idle_release import release_ticket
from server.outbox import Outbox
from server.worker import TurnParts
from tools.departments import Ticket
from tools.ticket_events import StaffMember
from tools.ticket_store import RedisTicketStore

if TYPE_CHECKING:
    from server.services import Services

logger = logging.getLogger(__name__)

WINDOW_CLOSED = "the customer's 24 h window is closed; WhatsApp only carries templates now"
ADMIN_API = StaffMember("admin", "API de administração")
"""Who acts through the admin API's bearer token."""


@dataclass(frozen=True, slots=True)
class Desk:
    """The parts of the service a staff action uses."""

    tickets: RedisTicketStore
    outbox: Outbox
    window: ServiceWindow
    whatsapp: WhatsAppClient
    turn: TurnParts
    """What a release uses: the turn's lock, graph and context."""

    @classmethod
    def of(cls, services: Services) -> Desk:
        """The desk of a running service."""
        return cls(
            tickets=services.handoff.store,
            outbox=services.outbox,
            window=services.window,
            whatsapp=services.whatsapp.client,
            turn=TurnParts.of(services),
        )


def _open_or_409(ticket: Ticket) -> None:
    if ticket.closed:
        raise HTTPException(status.HTTP_409_CONFLICT, "ticket is closed")


async def send_reply(
    desk: Desk,
    ticket: Ticket,
    message: dict[str, Any],
    *,
    by: StaffMember,
    idempotency_key: str | None = None,
    details: dict[str, Any] | None = None,
) -> str | None:
    """Queue one message to the customer as `by` and record it; the outbox entry id or None.

    The same `idempotency_key` sent twice queues the message once (None: a fresh key).
    """
    _open_or_409(ticket)
    if message["type"] != "template" and not await desk.window.is_open(ticket.sender_id):
        raise HTTPException(status.HTTP_409_CONFLICT, WINDOW_CLOSED)
    entry = await desk.outbox.push(
        ticket.sender_id,
        [message],
        key=f"admin-reply:{ticket.id}:{idempotency_key or uuid.uuid4().hex}",
        source=f"agent:{ticket.department}",
    )
    if entry is not None:
        await desk.tickets.record_reply(
            ticket.id, str(message.get("text") or ""), by=by, details=details
        )
        logger.info("ticket %s: %s reply queued by %s", ticket.id, message["type"], by.login)
    return entry


async def send_media(
    desk: Desk,
    ticket: Ticket,
    content: bytes,
    *,
    mime_type: str,
    filename: str,
    caption: str,
    by: StaffMember,
) -> str | None:
    """Upload a photo or file to the Graph API, then queue it with its caption."""
    _open_or_409(ticket)
    if not await desk.window.is_open(ticket.sender_id):
        raise HTTPException(status.HTTP_409_CONFLICT, WINDOW_CLOSED)
    try:
        media_id = await desk.whatsapp.upload_media(content, mime_type, filename)
    except WhatsAppError as error:
        logger.warning("ticket %s: media upload refused (%s)", ticket.id, error.code)
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY, "WhatsApp refused the file: check its type and size"
        ) from None
    kind = "image" if mime_type.startswith("image/") else "document"
    message: dict[str, Any] = {"type": kind, "media_id": media_id, "text": caption}
    if kind == "document":
        message["filename"] = filename
    media = {"kind": kind, "filename": filename, "mime_type": mime_type, "size": len(content)}
    return await send_reply(desk, ticket, message, by=by, details={"media": media})


async def release(desk: Desk, ticket: Ticket, *, by: StaffMember) -> bool:
    """Give the customer back to the bot; False when the ticket was already closed."""
    if ticket.closed:
        return False
    try:
        outcome = await release_ticket(desk.turn, desk.tickets, ticket, by=by)
    except LockError:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            "the customer is mid-turn; try again in a few seconds",
            headers={"Retry-After": "5"},
        ) from None
    return outcome == "released"
