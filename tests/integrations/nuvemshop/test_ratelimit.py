import asyncio
import math
import time
from collections import Counter
from collections.abc import Callable

import httpx
import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from integrations.nuvemshop.client import NuvemshopClient
from integrations.nuvemshop.demo import DEMO_ACCESS_TOKEN, DEMO_STORE_ID, DemoStore, demo_orders
from integrations.nuvemshop.errors import NuvemshopRateLimited
from integrations.nuvemshop.ratelimit import (
    Bucket,
    LocalRateLimiter,
    RateLimiter,
    RateLimitReport,
    RedisRateLimiter,
)
from integrations.nuvemshop.session import RetryPolicy

from .conftest import USER_AGENT

# Nuvemshop's bucket is 40 draining 2/s; the same shape 100 times faster keeps tests short.
FAST = Bucket(capacity=40, leak_per_second=200.0)
RETRY = RetryPolicy(attempts=5, initial_backoff=0.02, max_backoff=0.1)
NUMBERS = [order["number"] for order in demo_orders()]


class LeakyBucketStore:
    """The demo store behind a leaky bucket that answers 429 when full, as the API does."""

    def __init__(self, capacity: int, leak_per_second: float) -> None:
        self.capacity = capacity
        self.leak = leak_per_second
        self.level = 0.0
        self.last = time.monotonic()
        self.statuses: Counter[int] = Counter()
        self.store = DemoStore()

    def headers(self) -> dict[str, str]:
        return {
            "x-rate-limit-limit": str(self.capacity),
            "x-rate-limit-remaining": str(max(0, math.floor(self.capacity - self.level))),
            "x-rate-limit-reset": str(math.ceil(self.level / self.leak * 1000)),
        }

    def handle(self, request: httpx.Request) -> httpx.Response:
        now = time.monotonic()
        self.level = max(0.0, self.level - (now - self.last) * self.leak)
        self.last = now
        if self.level + 1 > self.capacity:
            body = {"code": 429, "message": "Too Many Requests", "description": "Rate limited"}
            response = httpx.Response(429, json=body, headers=self.headers())
        else:
            self.level += 1
            response = self.store.handle(request)
            response.headers.update(self.headers())
        self.statuses[response.status_code] += 1
        return response


def client_for(
    server: LeakyBucketStore, limiter: RateLimiter | None, retry: RetryPolicy = RETRY
) -> NuvemshopClient:
    return NuvemshopClient(
        store_id=DEMO_STORE_ID,
        access_token=DEMO_ACCESS_TOKEN,
        user_agent=USER_AGENT,
        transport=httpx.MockTransport(server.handle),
        limiter=limiter,
        retry=retry,
    )


async def lookups(clients: list[NuvemshopClient], count: int) -> list[object]:
    calls = [
        clients[i % len(clients)].find_order_by_number(NUMBERS[i % len(NUMBERS)])
        for i in range(count)
    ]
    return await asyncio.gather(*calls, return_exceptions=True)


def make_limiter(
    kind: str, bucket: Bucket, redis_client: Redis, prefix: str, waits: list[float] | None = None
) -> RateLimiter:
    """A limiter of `kind`; with `waits`, it records each wait instead of sleeping."""

    async def record(seconds: float) -> None:
        assert waits is not None
        waits.append(seconds)

    sleep = record if waits is not None else asyncio.sleep
    if kind == "redis":
        return RedisRateLimiter(redis_client, f"{prefix}:ratelimit", bucket, sleep=sleep)
    return LocalRateLimiter(bucket, sleep=sleep)


@pytest.fixture(params=["redis", "local"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def limiter(kind: str, redis_client: Redis, prefix: str) -> RateLimiter:
    return make_limiter(kind, FAST, redis_client, prefix)


async def test_100_concurrent_lookups_wait_instead_of_failing(limiter: RateLimiter) -> None:
    server = LeakyBucketStore(FAST.capacity, FAST.leak_per_second)
    async with client_for(server, limiter) as client:
        results = await lookups([client], 100)
    failures = [r for r in results if isinstance(r, BaseException)]
    assert not failures
    assert all(r is not None for r in results)
    assert server.statuses[200] == 100
    # The limiter waits instead of hammering: a few 429s where a loaded machine's event
    # loop lets a burst through late, never one per request (a retry storm would be 100+).
    assert server.statuses[429] <= 20


async def test_two_workers_share_one_bucket_through_redis(redis_client: Redis, prefix: str) -> None:
    server = LeakyBucketStore(FAST.capacity, FAST.leak_per_second)
    workers = [
        client_for(server, RedisRateLimiter(redis_client, f"{prefix}:ratelimit", FAST))
        for _ in range(2)
    ]
    try:
        results = await lookups(workers, 100)
    finally:
        for worker in workers:
            await worker.aclose()
    assert not [r for r in results if isinstance(r, BaseException)]
    assert server.statuses[429] <= 5
    assert server.statuses[200] == 100


async def test_without_a_limiter_the_same_burst_is_a_429_storm() -> None:
    # Nuvemshop's real drain rate, so a slow, busy machine cannot drain the burst away.
    server = LeakyBucketStore(FAST.capacity, 2.0)
    async with client_for(server, None, RetryPolicy(attempts=1)) as client:
        results = await lookups([client], 100)
    limited = [r for r in results if isinstance(r, NuvemshopRateLimited)]
    assert len(limited) >= 30
    assert server.statuses[429] == len(limited)


async def test_pagination_goes_through_the_limiter(
    kind: str, redis_client: Redis, prefix: str
) -> None:
    server = LeakyBucketStore(4, 100.0)
    limiter = make_limiter(kind, Bucket(capacity=4, leak_per_second=100.0), redis_client, prefix)
    async with client_for(server, limiter) as client:
        orders = await client.search_orders("example.com", limit=40, per_page=2)
    assert len(orders) == 32
    assert server.statuses[200] == 16
    assert server.statuses[429] == 0


async def test_server_saying_the_bucket_is_full_makes_us_wait(
    kind: str, redis_client: Redis, prefix: str
) -> None:
    bucket = Bucket(capacity=4, leak_per_second=10.0)
    waits: list[float] = []
    limiter = make_limiter(kind, bucket, redis_client, prefix, waits)
    await limiter.acquire("1")
    await limiter.observe("1", RateLimitReport(limit=4, remaining=0, reset_ms=400))
    await limiter.acquire("1")
    # Full (4) plus ours, minus one slot of headroom: two slots must drain at 10/s, 0.2 s
    # (less whatever drained while the test ran).
    assert len(waits) == 1 and 0.1 <= waits[0] <= 0.2
    await limiter.acquire("2")
    assert len(waits) == 1, "another store's bucket is empty: no wait"


async def test_a_larger_bucket_reported_by_the_server_is_used(
    kind: str, redis_client: Redis, prefix: str
) -> None:
    bucket = Bucket(capacity=4, leak_per_second=1.0)
    waits: list[float] = []
    limiter = make_limiter(kind, bucket, redis_client, prefix, waits)
    await limiter.observe("1", RateLimitReport(limit=40, remaining=40, reset_ms=0))
    for _ in range(20):
        await limiter.acquire("1")
    assert waits == [], "20 of a 40-slot bucket: none waits (with 4 slots, 16 would)"


async def test_local_limiter_paces_by_its_clock() -> None:
    now = [100.0]
    clock: Callable[[], float] = lambda: now[0]  # noqa: E731
    limiter = LocalRateLimiter(Bucket(capacity=3, leak_per_second=2.0, headroom=0), clock=clock)
    waits = [limiter._update("s", take=True, report=None) for _ in range(5)]
    assert waits == [0.0, 0.0, 0.0, 0.5, 1.0]
    now[0] += 10
    assert limiter._update("s", take=True, report=None) == 0.0


async def test_redis_bucket_keys_carry_the_prefix_and_expire(
    redis_client: Redis, prefix: str
) -> None:
    limiter = RedisRateLimiter(redis_client, f"{prefix}:ratelimit", FAST)
    await limiter.acquire("123")
    keys = [key async for key in redis_client.scan_iter(match="*ratelimit*")]
    assert keys == [f"{prefix}:ratelimit:123".encode()]
    assert 0 < await redis_client.pttl(keys[0]) <= 2000


async def test_redis_outage_lets_requests_through(caplog: pytest.LogCaptureFixture) -> None:
    broken = Redis(host="127.0.0.1", port=1, retry=Retry(NoBackoff(), 0))
    limiter = RedisRateLimiter(broken, "atendente-test-broken", FAST)
    try:
        await limiter.acquire("123")
        await limiter.observe("123", RateLimitReport(limit=40, remaining=0, reset_ms=100))
    finally:
        await broken.aclose()
    assert "rate limiter unavailable" in caplog.text


def test_reports_read_the_nuvemshop_headers() -> None:
    headers = {
        "x-rate-limit-limit": "40",
        "x-rate-limit-remaining": "35",
        "x-rate-limit-reset": "2500",
    }
    report = RateLimitReport.from_headers(headers)
    assert report == RateLimitReport(limit=40, remaining=35, reset_ms=2500)
    # remaining says 5 in the bucket, reset says 2.5 s at 2/s = 5: the fuller estimate wins.
    assert report.level(Bucket()) == 5.0
    assert RateLimitReport.from_headers({}).empty
    with pytest.raises(ValueError):
        Bucket(capacity=0)
