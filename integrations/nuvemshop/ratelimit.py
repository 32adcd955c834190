"""Pace requests to each store's Nuvemshop leaky bucket, so we wait instead of getting 429s.

Nuvemshop counts requests per app and store in a bucket of 40 that drains 2 per second (plans
with a higher limit get both multiplied by 10). Every worker process of ours spends from the
same bucket, so the count must live where all of them see it: `RedisRateLimiter` keeps one
small hash per store and updates it with a single Lua script. Lua, because the check and the
take must be one atomic step across workers (with a GET then a SET, two workers would both
see the last free slot and both take it) and because it costs one round trip per request.
The script reads the clock with Redis `TIME`, so workers on hosts with skewed clocks agree.

`acquire` reserves the next slot and sleeps until it is due: the bucket level counts
reservations too, so a burst of 100 look-ups queues in order without polling Redis. After
each response the limiter folds in what the server reported (`x-rate-limit-*`): when the
server's bucket is fuller than ours (another app instance, a restart that lost our count),
the server is right. `LocalRateLimiter` is the same bucket in process memory, for the
offline demo and single-process runs where no Redis is given.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, Self

from redis.exceptions import RedisError

from integrations.redis.client import RedisClient

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
"""How a limiter waits for its slot."""


@dataclass(frozen=True, slots=True)
class Bucket:
    """The leaky bucket we assume until the server's headers say otherwise."""

    capacity: int = 40
    """Requests the bucket holds (`x-rate-limit-limit`)."""
    leak_per_second: float = 2.0
    """Requests drained per second."""
    headroom: int = 1
    """Slots left unused, so network jitter bunching our requests up never overflows it."""

    def __post_init__(self) -> None:
        """Refuse a bucket that could never let a request through."""
        if self.capacity < 1 or self.leak_per_second <= 0 or not 0 <= self.headroom < self.capacity:
            raise ValueError("a bucket needs capacity >= 1, leak > 0 and 0 <= headroom < capacity")


@dataclass(frozen=True, slots=True)
class RateLimitReport:
    """What one response said about the store's bucket; None where a header was missing."""

    limit: int | None = None
    remaining: int | None = None
    reset_ms: int | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> Self:
        """Read `x-rate-limit-limit`, `-remaining` and `-reset` (ms until the bucket is empty)."""

        def number(name: str) -> int | None:
            value = headers.get(name, "").strip()
            return int(value) if value.isdigit() else None

        return cls(
            number("x-rate-limit-limit"),
            number("x-rate-limit-remaining"),
            number("x-rate-limit-reset"),
        )

    @property
    def empty(self) -> bool:
        """True when the response carried none of the headers."""
        return self.limit is None and self.remaining is None and self.reset_ms is None

    def level(self, bucket: Bucket) -> float | None:
        """The server's bucket level, the fuller of the two estimates the headers allow."""
        capacity = self.limit or bucket.capacity
        estimates = []
        if self.remaining is not None:
            estimates.append(float(capacity - self.remaining))
        if self.reset_ms is not None:
            estimates.append(self.reset_ms / 1000 * _leak(bucket, capacity))
        return max(estimates) if estimates else None


class RateLimiter(Protocol):
    """What `NuvemshopClient` needs from a limiter: wait for a slot, learn from responses."""

    async def acquire(self, store_id: str) -> None:
        """Return when a request to `store_id` fits in its bucket."""

    async def observe(self, store_id: str, report: RateLimitReport) -> None:
        """Correct our count with what a response from `store_id` reported."""


def _leak(bucket: Bucket, capacity: float) -> float:
    """Drain rate for a learned capacity: the plans multiply size and rate together."""
    return bucket.leak_per_second * capacity / bucket.capacity


class LocalRateLimiter:
    """The leaky bucket in this process's memory: correct only while one process calls the API."""

    def __init__(
        self,
        bucket: Bucket | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        """Start every store with an empty bucket; `sleep` waits for a slot (tests record it)."""
        self._bucket = bucket or Bucket()
        self._clock = clock
        self._sleep = sleep
        self._state: dict[str, tuple[float, float, float]] = {}

    def _update(self, store_id: str, *, take: bool, report: RateLimitReport | None) -> float:
        """Drain, fold in the report, optionally reserve a slot; seconds until it is due."""
        now = self._clock()
        level, last, capacity = self._state.get(store_id, (0.0, now, self._bucket.capacity))
        if report is not None and report.limit:
            capacity = float(report.limit)
        leak = _leak(self._bucket, capacity)
        level = max(0.0, level - max(0.0, now - last) * leak)
        server_level = report.level(self._bucket) if report is not None else None
        if server_level is not None:
            level = max(level, server_level)
        wait = 0.0
        if take:
            level += 1
            wait = max(0.0, (level - (capacity - self._bucket.headroom)) / leak)
        self._state[store_id] = (level, now, capacity)
        return wait

    async def acquire(self, store_id: str) -> None:
        """Reserve the next slot of `store_id` and sleep until it is due."""
        wait = self._update(store_id, take=True, report=None)
        if wait > 0:
            await self._sleep(wait)

    async def observe(self, store_id: str, report: RateLimitReport) -> None:
        """Believe the server when its bucket is fuller than ours."""
        if not report.empty:
            self._update(store_id, take=False, report=report)


# KEYS[1]: the store's bucket. ARGV: capacity, leak per second, take (1/0), headroom,
# server capacity (0: unknown), server level (-1: unknown). Returns ms until the slot is due.
_BUCKET_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local base_cap, base_leak = tonumber(ARGV[1]), tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'level', 'ts', 'cap')
local cap = tonumber(state[3]) or base_cap
if tonumber(ARGV[5]) > 0 then cap = tonumber(ARGV[5]) end
local leak = base_leak * cap / base_cap
local level = tonumber(state[1]) or 0
local last = tonumber(state[2]) or now
level = math.max(0, level - math.max(0, now - last) * leak)
level = math.max(level, tonumber(ARGV[6]))
local wait = 0
if ARGV[3] == '1' then
  level = level + 1
  wait = math.max(0, (level - (cap - tonumber(ARGV[4]))) / leak)
end
redis.call('HSET', KEYS[1], 'level', tostring(level), 'ts', tostring(now), 'cap', tostring(cap))
redis.call('PEXPIRE', KEYS[1], math.ceil(level / leak * 1000) + 1000)
return math.ceil(wait * 1000)
"""


class RedisRateLimiter:
    """The leaky bucket in Redis, shared by every worker that uses the same key prefix.

    A Redis failure lets the request through unpaced (logged): the store's own 429, which
    the client retries after the reset, still protects the bucket, and support keeps working.
    """

    def __init__(
        self,
        redis: RedisClient,
        prefix: str,
        bucket: Bucket | None = None,
        *,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        """Keep each store's bucket at `{prefix}:{store_id}`; it expires once drained."""
        self._sleep = sleep
        self._redis = redis
        self._prefix = prefix
        self._bucket = bucket or Bucket()
        self._script = redis.register_script(_BUCKET_SCRIPT)

    async def _run(self, store_id: str, *, take: bool, report: RateLimitReport | None) -> float:
        """Run the bucket script once; seconds until the reserved slot is due."""
        server_level = report.level(self._bucket) if report is not None else None
        args = [
            self._bucket.capacity,
            self._bucket.leak_per_second,
            1 if take else 0,
            self._bucket.headroom,
            (report.limit or 0) if report is not None else 0,
            -1 if server_level is None else server_level,
        ]
        try:
            wait_ms = await self._script(keys=[f"{self._prefix}:{store_id}"], args=args)
        except RedisError as error:
            logger.warning("nuvemshop rate limiter unavailable: %s", type(error).__name__)
            return 0.0
        return max(0, int(wait_ms)) / 1000

    async def acquire(self, store_id: str) -> None:
        """Reserve the next slot of `store_id` in the shared bucket and sleep until it is due."""
        wait = await self._run(store_id, take=True, report=None)
        if wait > 0:
            await self._sleep(wait)

    async def observe(self, store_id: str, report: RateLimitReport) -> None:
        """Believe the server when its bucket is fuller than the shared count."""
        if not report.empty:
            await self._run(store_id, take=False, report=report)
