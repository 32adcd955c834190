"""Message templates in a WhatsApp Business Account: list them, create the missing ones.

Templates belong to the business account (`/{waba-id}/message_templates`), not to the
phone number the messaging client is bound to, so they get a client of their own. Meta
reviews a new template before it can be sent; `status` says where that stands (PENDING,
APPROVED, REJECTED, PAUSED).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from integrations.closing import AsyncClosing
from integrations.whatsapp.client import graph_http
from integrations.whatsapp.errors import NetworkError, error_from_response

FIELDS = "name,language,status,category,components"


class TemplateClient(AsyncClosing):
    """Reads and creates one business account's message templates."""

    def __init__(
        self,
        *,
        access_token: str,
        business_account_id: str,
        api_url: str = "https://graph.facebook.com",
        api_version: str = "v21.0",
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
    ) -> None:
        """Bind to `{api_url}/{api_version}/{business_account_id}/message_templates`."""
        self._http = graph_http(
            access_token, business_account_id, api_url, api_version, timeout, transport
        )

    async def aclose(self) -> None:
        """Release the connection pool."""
        await self._http.aclose()

    async def existing(self) -> list[dict[str, Any]]:
        """Every template of the account, following Graph API's paging."""
        found: list[dict[str, Any]] = []
        params: dict[str, str] = {"fields": FIELDS, "limit": "100"}
        while True:
            page = await self._call("GET", "/message_templates", params=params)
            found += [t for t in page.get("data", []) if isinstance(t, dict)]
            after = ((page.get("paging") or {}).get("cursors") or {}).get("after")
            if not after or not (page.get("paging") or {}).get("next"):
                return found
            params = {**params, "after": str(after)}

    async def create(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Submit one template for review; Meta answers its id, status and category."""
        return await self._call("POST", "/message_templates", json=dict(request))

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TransportError as error:
            raise NetworkError("the Graph API did not answer", retryable=False) from error
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.is_success and isinstance(body, dict):
            return body
        raise error_from_response(response.status_code, body, retry_after=None)
