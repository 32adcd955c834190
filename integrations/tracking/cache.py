"""Tracking results cached in Redis, so a chatty customer does not hammer the carriers.

Carriers update a package a few times a day, while a customer may ask every minute; a short
TTL (15 minutes by default) answers the repeats from Redis. Entries are keyed by source and
code (`{prefix}:{CODE}:correios`); a per-code index set lists the sources holding one, so a
carrier webhook can drop every entry of a code with `invalidate(code)`. The code is the hash
tag, so all keys of one code share a Redis Cluster slot and move in one transaction.

Reads and writes never fail a lookup: when Redis is unreachable or an entry is unreadable,
the cache is simply missed and the carrier asked.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import timedelta

from pydantic import ValidationError
from redis.exceptions import RedisError

from integrations.redis.client import RedisClient
from integrations.tracking.models import TrackingInfo
from integrations.tracking.s10 import normalize_tracking_code

logger = logging.getLogger(__name__)

DEFAULT_TTL = timedelta(minutes=15)
_CACHEABLE = re.compile(r"^[A-Z0-9]{4,40}$")
"""Codes worth caching; anything else (a typo, text an LLM passed along) goes uncached."""


class TrackingCache:
    """Redis entries of `TrackingInfo` per source and tracking code."""

    def __init__(self, redis: RedisClient, *, prefix: str, ttl: timedelta = DEFAULT_TTL) -> None:
        """Store under `prefix`, each entry living `ttl`."""
        if ttl <= timedelta(0):
            raise ValueError("the tracking cache TTL must be positive")
        self._redis = redis
        self._prefix = prefix
        self._ttl_ms = int(ttl.total_seconds() * 1000)

    def key(self, source: str, code: str) -> str:
        """The key of one source's entry for a (normalized) code."""
        return f"{self._prefix}:{{{code}}}:{source}"

    def _index(self, code: str) -> str:
        """The set of sources holding an entry for the code."""
        return f"{self._prefix}:{{{code}}}"

    async def get(self, code: str, *, sources: Sequence[str]) -> tuple[str, TrackingInfo] | None:
        """The first of `sources` (in order) holding a fresh entry for `code`, with the entry."""
        normalized = _cacheable(code)
        if normalized is None or not sources:
            return None
        try:
            raw = await self._redis.mget([self.key(source, normalized) for source in sources])
        except RedisError as error:
            logger.warning("tracking cache read failed: %s", type(error).__name__)
            return None
        for source, value in zip(sources, raw, strict=True):
            if value is None:
                continue
            try:
                return source, TrackingInfo.model_validate_json(value)
            except ValidationError:
                logger.warning("dropping an unreadable tracking cache entry")
        return None

    async def put(self, source: str, info: TrackingInfo) -> None:
        """Remember `info` as `source` reported it, for the TTL."""
        normalized = _cacheable(info.code)
        if normalized is None:
            return
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.set(self.key(source, normalized), info.model_dump_json(), px=self._ttl_ms)
                pipe.sadd(self._index(normalized), source)
                pipe.pexpire(self._index(normalized), self._ttl_ms)
                await pipe.execute()
        except RedisError as error:
            logger.warning("tracking cache write failed: %s", type(error).__name__)

    async def invalidate(self, code: str) -> int:
        """Drop every source's entry for `code` (a carrier said it changed); how many went.

        Unlike reads and writes this raises `RedisError`, so a webhook can retry.
        """
        normalized = _cacheable(code)
        if normalized is None:
            return 0
        index = self._index(normalized)
        members = await self._redis.smembers(index)
        sources = sorted(m.decode() if isinstance(m, bytes) else str(m) for m in members)
        keys = [self.key(source, normalized) for source in sources]
        if not keys:
            return 0
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(*keys)
            pipe.delete(index)
            removed, _ = await pipe.execute()
        return int(removed)


def _cacheable(code: str) -> str | None:
    """The normalized code, or None when it should not reach Redis."""
    normalized = normalize_tracking_code(code)
    return normalized if _CACHEABLE.match(normalized) else None
