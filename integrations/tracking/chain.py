"""Several tracking providers tried in order, so one carrier being down never blinds the bot.

The usual chain asks Correios first for S10 codes (its own API is the most detailed), then an
aggregator for every code: other carriers' codes go straight to it, and Correios codes reach
it when Correios fails or does not know them. `lookup` never raises: when no provider finds
the code it says whether they all answered "unknown" (`not_found`) or some could not answer
(`unavailable`), and the caller falls back to the order's own tracking link.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from integrations.tracking.base import TrackingProvider
from integrations.tracking.cache import TrackingCache
from integrations.tracking.errors import TrackingError, TrackingUnavailable
from integrations.tracking.models import TrackingInfo
from integrations.tracking.s10 import looks_like_s10, normalize_tracking_code

logger = logging.getLogger(__name__)

ChainOutcome = Literal["found", "not_found", "unavailable"]


def any_code(code: str) -> bool:
    """Accept every code: for aggregators that cover all carriers."""
    return True


@dataclass(frozen=True, slots=True)
class ChainLink:
    """One provider in a chain, the name it is cached and logged under, and the codes it takes."""

    name: str
    provider: TrackingProvider
    accepts: Callable[[str], bool] = any_code
    """Called with the normalized code; a provider is skipped for codes it cannot know."""

    @classmethod
    def of(cls, provider: TrackingProvider | ChainLink) -> ChainLink:
        """A link for `provider`, named by its `source` attribute when it has one."""
        if isinstance(provider, ChainLink):
            return provider
        name = getattr(provider, "source", None)
        return cls(name=str(name) if name else type(provider).__name__, provider=provider)


@dataclass(frozen=True, slots=True)
class ChainResult:
    """What the chain learnt about a code, including why it found nothing."""

    code: str
    outcome: ChainOutcome
    info: TrackingInfo | None = None
    source: str | None = None
    """The link that answered, when one did."""
    failed: tuple[str, ...] = ()
    """The links that could not answer (down, refusing, unparseable)."""
    cached: bool = False


class ProviderChain:
    """Tries its links in order; implements `TrackingProvider`."""

    def __init__(
        self,
        links: Iterable[TrackingProvider | ChainLink],
        *,
        cache: TrackingCache | None = None,
    ) -> None:
        """Keep the links in order; with `cache`, found results are reused for its TTL."""
        self._links = tuple(ChainLink.of(link) for link in links)
        self._cache = cache

    @property
    def links(self) -> tuple[ChainLink, ...]:
        """The links, in the order they are tried."""
        return self._links

    def with_cache(self, cache: TrackingCache) -> ProviderChain:
        """The same links in front of `cache`."""
        return ProviderChain(self._links, cache=cache)

    async def lookup(self, code: str) -> ChainResult:
        """Ask each link that accepts the code until one finds it; never raises.

        Fresh cache entries of any accepting link are used before any provider is asked.
        Any exception from a provider counts as that provider failing: a bug or an
        unexpected answer from one carrier must not cost the customer the others.
        """
        normalized = normalize_tracking_code(code)
        links = [link for link in self._links if link.accepts(normalized)]
        if self._cache is not None and links:
            hit = await self._cache.get(normalized, sources=[link.name for link in links])
            if hit is not None:
                return ChainResult(normalized, "found", hit[1], hit[0], cached=True)
        failed: list[str] = []
        for link in links:
            try:
                found = await link.provider.track(normalized)
            except TrackingError as error:
                logger.warning("tracking via %s failed: %s", link.name, type(error).__name__)
                failed.append(link.name)
                continue
            except Exception as error:
                logger.error("tracking via %s broke: %s", link.name, type(error).__name__)
                failed.append(link.name)
                continue
            if found is not None:
                if self._cache is not None:
                    await self._cache.put(link.name, found)
                return ChainResult(normalized, "found", found, link.name, tuple(failed))
        outcome: ChainOutcome = "unavailable" if failed else "not_found"
        return ChainResult(normalized, outcome, failed=tuple(failed))

    async def track(self, code: str) -> TrackingInfo | None:
        """`TrackingProvider.track`: raises `TrackingUnavailable` when no link could answer."""
        result = await self.lookup(code)
        if result.outcome == "unavailable":
            raise TrackingUnavailable(f"no tracking provider answered ({', '.join(result.failed)})")
        return result.info

    async def invalidate(self, code: str) -> None:
        """Drop cached results for `code`, e.g. when a carrier webhook says it moved."""
        if self._cache is not None:
            await self._cache.invalidate(code)


def carrier_chain(
    *,
    correios: TrackingProvider | None = None,
    aggregator: TrackingProvider | None = None,
    cache: TrackingCache | None = None,
) -> ProviderChain:
    """Correios for S10 codes first, then the aggregator for every code; absent ones skipped."""
    links: list[ChainLink] = []
    if correios is not None:
        links.append(ChainLink(ChainLink.of(correios).name, correios, looks_like_s10))
    if aggregator is not None:
        links.append(ChainLink.of(aggregator))
    return ProviderChain(links, cache=cache)
