"""A store's webhooks through the Nuvemshop API: list them, create the missing, delete.

Nuvemshop only sends an app the events it registered for through `POST /webhooks`, with
the store's token, and signs each delivery with the app's secret. Registration must be
idempotent: an install that is repeated (a merchant who installs again, a callback that
runs twice) lists what the store already sends and creates only what is missing, since a
second webhook for the same event and URL would deliver every event twice.

Writes are never retried automatically: a create that timed out may have happened, and the
next `ensure` finds it instead of doubling it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import httpx
from pydantic import BaseModel, ConfigDict

from integrations.closing import AsyncClosing
from integrations.nuvemshop.client import MAX_PER_PAGE, validate
from integrations.nuvemshop.errors import NuvemshopError, NuvemshopNotFound
from integrations.nuvemshop.ratelimit import RateLimiter
from integrations.nuvemshop.session import SINGLE_ATTEMPT, StoreSession, json_body

logger = logging.getLogger(__name__)

APP_UNINSTALLED = "app/uninstalled"
"""The event Nuvemshop sends when a store removes the app; its token stops working."""


class Webhook(BaseModel):
    """One registered webhook as the API shows it (`created_at` and the rest are ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    id: int
    event: str
    url: str


class WebhookClient(AsyncClosing):
    """Manages the webhooks of one store, with that store's access token."""

    def __init__(
        self,
        *,
        store_id: str,
        access_token: str,
        user_agent: str,
        base_url: str = "https://api.nuvemshop.com.br",
        api_version: str = "v1",
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        """Open a session on the store's API root; every request is tried once."""
        self._session = StoreSession(
            store_id=store_id,
            access_token=access_token,
            user_agent=user_agent,
            base_url=base_url,
            api_version=api_version,
            timeout=timeout,
            transport=transport,
            limiter=limiter,
            retry=SINGLE_ATTEMPT,
        )

    async def aclose(self) -> None:
        """Release the connection pool."""
        await self._session.aclose()

    async def registered(self) -> list[Webhook]:
        """Every webhook the app has in this store.

        An app registers a handful, so one page of the largest size holds them all; an
        empty store answers 404 "Last page is 0", which is no webhook at all.
        """
        params = {"per_page": str(MAX_PER_PAGE)}
        try:
            response = await self._session.request("GET", "/webhooks", params=params)
        except NuvemshopNotFound:
            return []
        payload = json_body(response)
        if not isinstance(payload, list):
            raise NuvemshopError("GET /webhooks returned a non-list body")
        return [validate(Webhook, item) for item in payload]

    async def create(self, event: str, url: str) -> Webhook:
        """Register `url` for `event`; the API refuses (422) an unknown event or a bad URL."""
        response = await self._session.request(
            "POST", "/webhooks", body={"event": event, "url": url}
        )
        created = validate(Webhook, json_body(response))
        logger.info("nuvemshop webhook %s registered for store %s", event, self.store_id)
        return created

    async def delete(self, webhook_id: int) -> bool:
        """Remove one webhook; False when the store had no such webhook."""
        try:
            await self._session.request("DELETE", f"/webhooks/{int(webhook_id)}")
        except NuvemshopNotFound:
            return False
        return True

    async def ensure(self, events: Iterable[str], url: str) -> dict[str, int]:
        """Make the store send each of `events` to `url`, creating only what is missing.

        Returns each event's webhook id, the ones found and the ones created.
        """
        existing = {hook.event: hook.id for hook in await self.registered() if hook.url == url}
        ids: dict[str, int] = {}
        for event in dict.fromkeys(events):
            if event in existing:
                ids[event] = existing[event]
            else:
                ids[event] = (await self.create(event, url)).id
        return ids

    async def remove(self, url: str) -> int:
        """Delete every webhook that sends to `url`, when the app lets a store go; the count."""
        removed = 0
        for hook in await self.registered():
            if hook.url == url and await self.delete(hook.id):
                removed += 1
        return removed

    @property
    def store_id(self) -> str:
        """The store whose webhooks these are."""
        return self._session.store_id
