"""Package tracking for the customer: status, recent events, a timeline, problems and a link.

The link is always given, so even when every carrier API is down or none knows the code the
customer can follow the package on the order's own tracking page (or the carrier's). A carrier
failure is never an error here: it becomes `status: "unavailable"` next to that link.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from integrations.clock import utc_now
from integrations.tracking.base import TrackingProvider
from integrations.tracking.cache import TrackingCache
from integrations.tracking.chain import ProviderChain
from integrations.tracking.models import TrackingInfo
from integrations.tracking.s10 import looks_like_s10, normalize_tracking_code
from integrations.tracking.seventeentrack import PUBLIC_TRACKING_URL as AGGREGATOR_TRACKING_URL
from integrations.tracking.timeline import timeline
from tools.delivery_problems import detect_problem

CORREIOS_TRACKING_URL = "https://rastreamento.correios.com.br/app/index.php?objetos={code}"
MAX_EVENTS = 4


def carrier_link(code: str) -> str:
    """A public page for a tracking code: Correios' for S10 codes, 17TRACK's for the rest."""
    normalized = normalize_tracking_code(code)
    if looks_like_s10(normalized):
        return CORREIOS_TRACKING_URL.format(code=normalized)
    return AGGREGATOR_TRACKING_URL.format(code=normalized)


class TrackingService:
    """Looks a tracking code up with the carriers and shapes it for a reply."""

    def __init__(
        self,
        provider: TrackingProvider | None,
        *,
        cache: TrackingCache | None = None,
        clock: Callable[[], datetime] = utc_now,
        stalled_after_business_days: int = 5,
    ) -> None:
        """Use `provider` (a `ProviderChain` or one carrier), or only links when it is None.

        `cache` keeps found results for its TTL; `clock` dates problem detection, so tests
        can pin "today".
        """
        chain: ProviderChain | None = None
        if provider is not None:
            chain = provider if isinstance(provider, ProviderChain) else ProviderChain([provider])
            if cache is not None:
                chain = chain.with_cache(cache)
        self._chain = chain
        self._clock = clock
        self._stalled_after = stalled_after_business_days

    async def track(
        self, code: str, *, url: str | None = None, customer_says_not_received: bool = False
    ) -> dict[str, Any]:
        """Status, newest events, timeline, detected problem and the link for `code`.

        `url` is the order's own tracking link, preferred over any carrier page.
        `customer_says_not_received` turns a "delivered" package into a problem.
        """
        if self._chain is None:
            return _without_info(code, "unknown", url or carrier_link(code))
        result = await self._chain.lookup(code)
        if result.info is None:
            status = "unavailable" if result.outcome == "unavailable" else "not_found"
            return _without_info(code, status, url or carrier_link(code))
        return self._shape(code, result.info, url, customer_says_not_received)

    async def invalidate(self, code: str) -> None:
        """Forget cached tracking for `code`, for carrier webhooks announcing a change."""
        if self._chain is not None:
            await self._chain.invalidate(code)

    def _shape(
        self, code: str, info: TrackingInfo, url: str | None, customer_says_not_received: bool
    ) -> dict[str, Any]:
        """The tool result for a package the carrier knows."""
        problem = detect_problem(
            info,
            now=self._clock(),
            stalled_after_business_days=self._stalled_after,
            customer_says_not_received=customer_says_not_received,
        )
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
            "timeline": timeline(info.events),
            "url": url or info.url or carrier_link(code),
            "problem": problem.as_dict() if problem else None,
        }


def _without_info(code: str, status: str, link: str) -> dict[str, Any]:
    """The tool result when no carrier told us anything: the status says why, the link helps."""
    return {
        "tracking_code": code,
        "carrier": None,
        "status": status,
        "events": [],
        "timeline": [],
        "url": link,
        "problem": None,
    }
