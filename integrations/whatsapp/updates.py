"""WhatsApp Cloud API webhook updates, parsed into frozen, typed values.

Every update in a POST becomes an `InboundMessage`, a `StatusUpdate` or an
`UnknownUpdate`; a type Meta adds tomorrow parses as `MessageType.UNKNOWN` and is logged
and skipped, never fatal. The customer is keyed by the phone-based `wa_id` when WhatsApp
shares it, else by the business-scoped user id (`user_id`, since 2026).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

CALLBACK_DATA_LIMIT = 512
"""The most characters Meta takes in `biz_opaque_callback_data`."""


class MessageType(StrEnum):
    """Inbound message types; unknown values map to UNKNOWN instead of failing."""

    TEXT = "text"
    INTERACTIVE = "interactive"
    BUTTON = "button"
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    DOCUMENT = "document"
    STICKER = "sticker"
    LOCATION = "location"
    CONTACTS = "contacts"
    REACTION = "reaction"
    UNKNOWN = "unknown"

    @classmethod
    def _missing_(cls, value: object) -> MessageType:
        return cls.UNKNOWN


class DeliveryStatus(StrEnum):
    """Outbound message statuses WhatsApp reports."""

    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    DELETED = "deleted"
    UNKNOWN = "unknown"

    @classmethod
    def _missing_(cls, value: object) -> DeliveryStatus:
        return cls.UNKNOWN


MEDIA_TYPES = frozenset(
    {
        MessageType.IMAGE,
        MessageType.AUDIO,
        MessageType.VIDEO,
        MessageType.DOCUMENT,
        MessageType.STICKER,
        MessageType.LOCATION,
        MessageType.CONTACTS,
    }
)


def _when(raw: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(raw), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class InboundMessage:
    """One message a customer sent."""

    message_id: str
    sender_id: str
    """The thread key: the wa_id, or the business-scoped user id when the phone is withheld."""
    phone: str | None
    """E.164 phone, when WhatsApp shares it."""
    profile_name: str | None
    type: MessageType
    raw_type: str
    timestamp: datetime
    text: str = ""
    """What the customer wrote: text, caption, or the title of a tapped button/list row."""
    reply_id: str | None = None
    """The id of the tapped reply button or list row."""
    media_id: str | None = None
    reacted_to: str | None = None
    phone_number_id: str = ""

    @property
    def is_media(self) -> bool:
        """Media and attachments the bot cannot read as text."""
        return self.type in MEDIA_TYPES

    @classmethod
    def from_update(
        cls, message: dict[str, Any], contacts: list[dict[str, Any]], phone_number_id: str
    ) -> InboundMessage:
        """Parse one entry of `value.messages`."""
        raw_type = str(message.get("type", "unknown"))
        kind = MessageType(raw_type)
        phone_id = message.get("from")
        user_id = message.get("from_user_id")
        contact = next(
            (
                c
                for c in contacts
                if (phone_id and c.get("wa_id") == phone_id)
                or (user_id and c.get("user_id") == user_id)
            ),
            contacts[0] if contacts else {},
        )
        phone_id = phone_id or contact.get("wa_id")
        user_id = user_id or contact.get("user_id")
        sender = str(phone_id or user_id or "")
        found = message.get(raw_type)
        body: dict[str, Any] = found if isinstance(found, dict) else {}
        text, reply_id, media_id, reacted_to = "", None, None, None
        if kind is MessageType.TEXT:
            text = str(body.get("body", ""))
        elif kind is MessageType.INTERACTIVE:
            reply = body.get("button_reply") or body.get("list_reply") or {}
            text, reply_id = str(reply.get("title", "")), reply.get("id")
        elif kind is MessageType.BUTTON:
            text, reply_id = str(body.get("text", "")), body.get("payload")
        elif kind is MessageType.REACTION:
            text, reacted_to = str(body.get("emoji", "")), body.get("message_id")
        elif kind is MessageType.LOCATION:
            text = " ".join(str(body.get(k, "")) for k in ("name", "address")).strip()
        elif kind in MEDIA_TYPES:
            text, media_id = str(body.get("caption", "")), body.get("id")
        profile = contact.get("profile") or {}
        return cls(
            message_id=str(message.get("id", "")),
            sender_id=sender,
            phone=f"+{phone_id}" if phone_id else None,
            profile_name=profile.get("name"),
            type=kind,
            raw_type=raw_type,
            timestamp=_when(message.get("timestamp")),
            text=text,
            reply_id=reply_id,
            media_id=media_id,
            reacted_to=reacted_to,
            phone_number_id=phone_number_id,
        )


def _callback_data(value: object) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= CALLBACK_DATA_LIMIT else None


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusUpdate:
    """What happened to a message we sent."""

    message_id: str
    recipient_id: str
    status: DeliveryStatus
    timestamp: datetime
    error_codes: tuple[int, ...] = field(default_factory=tuple)
    error_titles: tuple[str, ...] = field(default_factory=tuple)
    callback_data: str | None = None
    """The `biz_opaque_callback_data` the message was sent with, echoed by Meta."""
    phone_number_id: str = ""
    """The business number that sent the message (`metadata.phone_number_id`)."""

    @classmethod
    def from_update(cls, status: dict[str, Any], phone_number_id: str = "") -> StatusUpdate:
        """Parse one entry of `value.statuses`, failed ones with their error codes."""
        errors = [e for e in status.get("errors", []) if isinstance(e, dict)]
        return cls(
            message_id=str(status.get("id", "")),
            recipient_id=str(status.get("recipient_id") or status.get("recipient_user_id") or ""),
            status=DeliveryStatus(str(status.get("status", "unknown"))),
            timestamp=_when(status.get("timestamp")),
            error_codes=tuple(int(e["code"]) for e in errors if str(e.get("code", "")).isdigit()),
            error_titles=tuple(str(e.get("title", "")) for e in errors),
            callback_data=_callback_data(status.get("biz_opaque_callback_data")),
            phone_number_id=phone_number_id,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownUpdate:
    """A change we do not handle (another field, or an unexpected shape)."""

    field: str


Update = InboundMessage | StatusUpdate | UnknownUpdate


class MalformedWebhook(ValueError):
    """The body is not a WhatsApp Business webhook at all."""


def parse_webhook(payload: Any) -> Iterator[Update]:
    """Every update in a webhook body, in order."""
    if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
        raise MalformedWebhook("expected {object, entry: [...]}")
    for entry in payload["entry"]:
        for change in (entry or {}).get("changes", []) if isinstance(entry, dict) else []:
            value = change.get("value") if isinstance(change, dict) else None
            name = str(change.get("field", "")) if isinstance(change, dict) else ""
            if name != "messages" or not isinstance(value, dict):
                yield UnknownUpdate(field=name or "unknown")
                continue
            phone_number_id = str((value.get("metadata") or {}).get("phone_number_id", ""))
            contacts = [c for c in value.get("contacts", []) if isinstance(c, dict)]
            for message in value.get("messages", []):
                if isinstance(message, dict) and message.get("id"):
                    yield InboundMessage.from_update(message, contacts, phone_number_id)
            for status in value.get("statuses", []):
                if isinstance(status, dict):
                    yield StatusUpdate.from_update(status, phone_number_id)
