"""Nuvemshop webhooks: order events, the app's uninstall, and the LGPD privacy events.

Each request is checked against `x-linkedstore-hmac-sha256` (hex HMAC-SHA256 of the raw
body with the app secret) before anything else happens, queued, and answered at once; a
forged or unsigned request has no side effect at all. `app/uninstalled` also forgets the
store's installed token before it is queued, so nothing reads the store after the answer.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError
from redis.exceptions import RedisError

from composition.settings import Settings
from integrations.nuvemshop.installer import AppInstaller
from integrations.nuvemshop.webhooks import APP_UNINSTALLED
from server.body import read_body
from server.deps import SettingsDep, StoreIntakeDep
from server.routes.nuvemshop_app import InstallerDep
from server.signatures import is_signed
from server.store_events import StoreEventIntake

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/webhooks/nuvemshop", tags=["store webhooks"])

MAX_BODY_BYTES = 64 * 1024
SIGNATURE_HEADER = "x-linkedstore-hmac-sha256"
PRIVACY_ROUTES = {
    "store-redact": "store/redact",
    "customers-redact": "customers/redact",
    "customers-data-request": "customers/data_request",
}


MAX_ID_DIGITS = 19
"""Nuvemshop's ids are 64-bit integers; a longer run of digits is no id (and Python refuses
to turn more than 4,300 digits into an int, which would fail the handler after the 200)."""


def _ascii_digits(value: int | str) -> int | str:
    if isinstance(value, int) and not 0 <= value < 2**63:
        raise ValueError("an id is a 64-bit integer")
    text = str(value)
    if not (text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS):
        raise ValueError("an id is at most 19 ASCII digits")
    return value


Identifier = Annotated[int | str, AfterValidator(_ascii_digits)]
"""A Nuvemshop id: an integer, or its ASCII digits ("²", "12/../x" and 5,000 nines are
refused)."""


class OrderWebhook(BaseModel):
    """The body Nuvemshop posts for order events: `{store_id, event, id}`.

    Fulfillment events name their order in `order_id`, which the handler reads first, so
    it is held to the same rule as `id`.
    """

    model_config = ConfigDict(extra="allow")
    store_id: Identifier
    event: str
    id: Identifier
    order_id: Identifier | None = None


class UninstallWebhook(BaseModel):
    """The body of `app/uninstalled`: the store, and (as documented) the app's `id`."""

    model_config = ConfigDict(extra="allow")
    store_id: Identifier
    event: str
    id: Identifier | None = None


class PrivacyCustomer(BaseModel):
    """The customer of an LGPD event: what identifies them, each of the type it must have."""

    model_config = ConfigDict(extra="allow")
    id: Identifier | None = None
    email: str | None = None
    phone: str | None = None
    identification: str | None = None


class DataRequest(BaseModel):
    """The request a data export answers; its id names the export file."""

    model_config = ConfigDict(extra="allow")
    id: Identifier


class PrivacyWebhook(BaseModel):
    """The body of a privacy event: the store, and for customer events, the customer."""

    model_config = ConfigDict(extra="allow")
    store_id: Identifier
    customer: PrivacyCustomer | None = None
    data_request: DataRequest | None = None


async def _verified_json(request: Request, settings: Settings) -> dict[str, Any]:
    body = await read_body(request, MAX_BODY_BYTES)
    if not is_signed(settings.webhook_secret, body, request.headers.get(SIGNATURE_HEADER)):
        logger.warning("store webhook refused: missing or wrong signature")
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid signature")
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "body is not JSON") from None
    if not isinstance(payload, dict):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "body must be a JSON object")
    store = settings.nuvemshop_store_id
    if store and str(payload.get("store_id")) != store:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "unknown store")
    return payload


async def _queue(intake: StoreEventIntake, event: str, payload: dict[str, Any]) -> dict[str, str]:
    try:
        queued = await intake.accept(event, payload)
    except UnicodeError:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "text that is not valid Unicode") from None
    except (RedisError, OSError):
        logger.error("store webhook %s not stored: Redis unavailable", event)
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "try again later") from None
    return {"status": "queued" if queued else "duplicate"}


@router.post("")
async def order_event(
    request: Request, settings: SettingsDep, intake: StoreIntakeDep, installer: InstallerDep
) -> dict[str, str]:
    """An order event: queue it for the automations and cache refresh."""
    payload = await _verified_json(request, settings)
    if payload.get("event") == APP_UNINSTALLED:
        return await _uninstalled(payload, intake, installer)
    try:
        webhook = OrderWebhook.model_validate(payload)
    except ValidationError:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "expected {store_id, event, id}") from None
    return await _queue(intake, webhook.event, payload)


async def _uninstalled(
    payload: dict[str, Any], intake: StoreEventIntake, installer: AppInstaller | None
) -> dict[str, str]:
    """Forget the store's token now; its data is deleted by the store-events worker."""
    try:
        webhook = UninstallWebhook.model_validate(payload)
    except ValidationError:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "expected {store_id, event}") from None
    if installer is not None:
        try:
            await installer.forget(str(webhook.store_id))
        except (RedisError, OSError):
            logger.error("app/uninstalled not handled: Redis unavailable")
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "try again later") from None
    return await _queue(intake, APP_UNINSTALLED, payload)


@router.post("/{topic}")
async def privacy_event(
    topic: str, request: Request, settings: SettingsDep, intake: StoreIntakeDep
) -> dict[str, str]:
    """An LGPD event (store-redact, customers-redact, customers-data-request)."""
    event = PRIVACY_ROUTES.get(topic)
    if event is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown privacy topic")
    payload = await _verified_json(request, settings)
    try:
        PrivacyWebhook.model_validate(payload)
    except ValidationError:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "expected {store_id, ...}") from None
    if event != "store/redact" and not isinstance(payload.get("customer"), dict):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "expected a customer object")
    return await _queue(intake, event, payload)
