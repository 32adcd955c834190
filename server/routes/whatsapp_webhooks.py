"""The WhatsApp Cloud API webhook: verification handshake and inbound updates.

POSTs are checked against `X-Hub-Signature-256` (HMAC-SHA256 of the raw body with the app
secret, constant-time compare) before anything is read; each message is then stored once
in the inbound stream and the answer is 200 within milliseconds. When Redis is down the
answer is 503, so Meta delivers again: a message is never acknowledged unstored.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import PlainTextResponse
from redis.exceptions import RedisError

from composition.settings import DEMO_VERIFY_TOKEN, Settings
from integrations.redis.client import RedisClient
from integrations.redis.layout import thread_ref
from integrations.whatsapp.errors import error_type
from integrations.whatsapp.updates import (
    InboundMessage,
    MalformedWebhook,
    StatusUpdate,
    UnknownUpdate,
    Update,
    parse_webhook,
)
from server.body import read_body
from server.deps import FloodDep, InboundDep, OutboxDep, RedisDep, RepliesDep, SettingsDep
from server.flood import FloodGuard
from server.inbound import Admission, InboundIntake
from server.metrics import record_send
from server.outbox import Outbox
from server.sender import record_acceptance
from server.signatures import hex_signature, same_secret

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/webhooks/whatsapp", tags=["whatsapp"])

MAX_BODY_BYTES = 512 * 1024
SIGNATURE_HEADER = "x-hub-signature-256"


def _signed(secret: str | None, body: bytes, header: str | None) -> bool:
    if not secret or not header or not header.startswith("sha256="):
        return False
    return same_secret(header[len("sha256=") :].lower(), hex_signature(secret, body))


async def _admit(parts: StoreParts, message: InboundMessage, now_ms: int) -> Admission:
    """Admit and store one message; the first message over the flood limit gets one notice."""
    admission = await parts.inbound.admit(message, now_ms, parts.flood)
    if admission.verdict == "notify" and not admission.repeat:
        await parts.outbox.push(
            message.sender_id,
            [{"type": "text", "text": parts.flood_notice}],
            key=f"flood:{message.message_id}",
            source="flood",
        )
        logger.info("customer %s is flooding; notified once", thread_ref(message.sender_id))
    return admission


@router.get("", response_class=PlainTextResponse)
async def verify(
    settings: SettingsDep,
    mode: str = Query("", alias="hub.mode"),
    token: str = Query("", alias="hub.verify_token"),
    challenge: str = Query("", alias="hub.challenge"),
) -> str:
    """Meta's subscription handshake: echo the challenge when the verify token matches."""
    return handshake([settings], mode, token, challenge)


def handshake(stores: Iterable[Settings], mode: str, token: str, challenge: str) -> str:
    """The challenge, when `token` is the verify token of one of `stores`; else 403."""
    for settings in stores:
        configured = settings.whatsapp_verify_token
        expected = configured.get_secret_value() if configured else DEMO_VERIFY_TOKEN
        if mode == "subscribe" and same_secret(token, expected):
            return challenge
    raise HTTPException(status.HTTP_403_FORBIDDEN, "verification failed")


@router.post("")
async def receive(
    request: Request,
    settings: SettingsDep,
    redis: RedisDep,
    inbound: InboundDep,
    flood: FloodDep,
    outbox: OutboxDep,
    replies: RepliesDep,
) -> dict[str, int]:
    """Store every inbound message once; log statuses and updates we do not handle."""
    body = await read_body(request, MAX_BODY_BYTES)
    if not _signed(settings.whatsapp_secret, body, request.headers.get(SIGNATURE_HEADER)):
        logger.warning("whatsapp webhook refused: missing or wrong signature")
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid signature")
    receipt = Receipt()
    await store_updates(
        StoreParts(settings, redis, inbound, flood, outbox, replies.text("notices.flood")),
        parse_updates(body),
        receipt,
    )
    return receipt.answer()


def signing_secret(secrets: Iterable[str | None], body: bytes, header: str | None) -> str | None:
    """Which of `secrets` signed `body` (`X-Hub-Signature-256`), if any."""
    for secret in secrets:
        if _signed(secret, body, header):
            return secret
    return None


def parse_updates(body: bytes) -> list[Update]:
    """The webhook's updates; 400 for a body that is not a WhatsApp webhook."""
    try:
        return list(parse_webhook(json.loads(body)))
    except (
        json.JSONDecodeError,
        UnicodeDecodeError,
        RecursionError,
        MalformedWebhook,
        TypeError,
        ValueError,
        AttributeError,
    ):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "not a WhatsApp webhook body") from None


@dataclass(frozen=True, slots=True)
class StoreParts:
    """What storing one store's updates uses of its service."""

    settings: Settings
    redis: RedisClient
    inbound: InboundIntake
    flood: FloodGuard
    outbox: Outbox
    flood_notice: str
    """The store's words for a customer over the flood limit (`notices.flood`)."""


@dataclass(slots=True)
class Receipt:
    """What a webhook stored, for its answer."""

    stored: int = 0
    duplicates: int = 0

    def answer(self) -> dict[str, int]:
        """The JSON answer Meta gets (and the tests read)."""
        return {"stored": self.stored, "duplicates": self.duplicates}


async def store_updates(parts: StoreParts, updates: list[Update], receipt: Receipt) -> None:
    """Store every inbound message once; record statuses; log what is not handled.

    Raises:
        HTTPException: 400 for text that is not Unicode, 503 when Redis is down (Meta
            delivers again, and what was stored is recognised as a duplicate then).
    """
    now_ms = int(time.time() * 1000)
    try:
        for update in updates:
            if isinstance(update, InboundMessage):
                if not update.sender_id:
                    logger.warning("whatsapp message without a sender skipped")
                    continue
                admission = await _admit(parts, update, now_ms)
                if admission.stored:
                    receipt.stored += 1
                elif admission.verdict == "ok":
                    receipt.duplicates += 1
            elif (
                isinstance(update, StatusUpdate) and update.callback_data and not update.error_codes
            ):
                await record_acceptance(
                    parts.redis, parts.settings.redis_prefix, update.callback_data
                )
            elif isinstance(update, StatusUpdate) and update.error_codes:
                record_send("failed")
                logger.warning(
                    "message to %s failed after acceptance: %s (codes %s)",
                    thread_ref(update.recipient_id),
                    error_type(update.error_codes[0]).__name__,
                    list(update.error_codes),
                )
            elif isinstance(update, UnknownUpdate):
                logger.info("whatsapp update %r skipped", update.field)
    except UnicodeError:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "text that is not valid Unicode") from None
    except (RedisError, OSError):
        logger.error("whatsapp webhook not stored: Redis unavailable")
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "try again later") from None
