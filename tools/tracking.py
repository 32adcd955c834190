"""Package tracking for the customer: status, recent events and the carrier's link.

The carrier link is always given, so even when the carrier API is down or unknown the
customer can follow the package on the carrier's own page.
"""

from __future__ import annotations

from typing import Any

from integrations.tracking.base import TrackingProvider
from integrations.tracking.errors import TrackingError

CORREIOS_TRACKING_URL = "https://rastreamento.correios.com.br/app/index.php?objetos={code}"
MAX_EVENTS = 4


def carrier_link(code: str) -> str:
    """The public Correios page for a tracking code."""
    return CORREIOS_TRACKING_URL.format(code=code)


class TrackingService:
    """Looks a tracking code up with the carrier and shapes it for a reply."""

    def __init__(self, provider: TrackingProvider | None) -> None:
        """Use `provider`, or only the carrier link when no carrier API is configured."""
        self._provider = provider

    async def track(self, code: str, *, url: str | None = None) -> dict[str, Any]:
        """Status, the newest events and the link for `code`.

        `url` is the order's own tracking link, preferred over the generic carrier page.
        """
        link = url or carrier_link(code)
        if self._provider is None:
            return {"tracking_code": code, "status": "unknown", "events": [], "url": link}
        try:
            info = await self._provider.track(code)
        except TrackingError:
            return {
                "tracking_code": code,
                "status": "unavailable",
                "events": [],
                "url": link,
            }
        if info is None:
            return {"tracking_code": code, "status": "not_found", "events": [], "url": link}
        return {
            "tracking_code": code,
            "carrier": info.carrier,
            "status": info.status,
            "events": [
                {
                    "at": event.at.isoformat(),
                    "description": event.description,
                    "location": event.location,
                }
                for event in info.events[:MAX_EVENTS]
            ],
            "url": link,
        }
