"""The WhatsApp webhook of a deployment that serves many stores: each update to its store.

One Meta app can carry the numbers of many stores, and Meta posts every number's updates
to the app's one callback URL, so the store is chosen per update by the number that
received it (`metadata.phone_number_id`). The signature must be by the app secret of the
store each update goes to; an update for a number no store answers on is logged and
dropped (answering 200, so Meta does not deliver it again), never given to another store.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import PlainTextResponse

from integrations.whatsapp.updates import InboundMessage, StatusUpdate, Update
from server.body import read_body
from server.deps import StoresDep
from server.routes.whatsapp_webhooks import (
    MAX_BODY_BYTES,
    SIGNATURE_HEADER,
    Receipt,
    StoreParts,
    handshake,
    parse_updates,
    signing_secret,
    store_updates,
)
from server.services import Services
from server.stores import Stores

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/webhooks/whatsapp", tags=["whatsapp"])


@router.get("", response_class=PlainTextResponse)
async def verify(
    stores: StoresDep,
    mode: str = Query("", alias="hub.mode"),
    token: str = Query("", alias="hub.verify_token"),
    challenge: str = Query("", alias="hub.challenge"),
) -> str:
    """Meta's subscription handshake, against any store's verify token."""
    return handshake((services.settings for services in stores.all), mode, token, challenge)


def _by_store(
    stores: Stores, updates: list[Update], secret: str
) -> list[tuple[Services, list[Update]]]:
    """The updates grouped by the store whose number received them, in arrival order."""
    groups: dict[str, tuple[Services, list[Update]]] = {}
    for update in updates:
        if not isinstance(update, InboundMessage | StatusUpdate):
            logger.info("whatsapp update skipped: not a message or a status")
            continue
        services = stores.for_number(update.phone_number_id)
        if services is None or services.settings.whatsapp_secret != secret:
            logger.warning("whatsapp update for a number no store here answers on; dropped")
            continue
        key = services.settings.redis_prefix
        groups.setdefault(key, (services, []))[1].append(update)
    return list(groups.values())


@router.post("")
async def receive(request: Request, stores: StoresDep) -> dict[str, int]:
    """Check the signature, then store each update with the store that received it."""
    body = await read_body(request, MAX_BODY_BYTES)
    secrets = {services.settings.whatsapp_secret for services in stores.all}
    secret = signing_secret(secrets, body, request.headers.get(SIGNATURE_HEADER))
    if secret is None:
        logger.warning("whatsapp webhook refused: missing or wrong signature")
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid signature")
    receipt = Receipt()
    for services, updates in _by_store(stores, parse_updates(body), secret):
        parts = StoreParts(
            services.settings,
            services.redis,
            services.inbound,
            services.flood,
            services.outbox,
            services.context.store.replies.text("notices.flood"),
        )
        await store_updates(parts, updates, receipt)
    return receipt.answer()
