import json
from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from integrations.nuvemshop.cache import CachedNuvemshopClient, OrderCache, cache_secret
from integrations.nuvemshop.client import ORDER_FIELDS
from integrations.nuvemshop.demo import DEMO_ACCESS_TOKEN, DEMO_STORE_ID, DemoStore

from .conftest import USER_AGENT

ANA = {"email": "ana.souza@example.com", "phone": "+55 (11) 98765-4321", "cpf": "529.982.247-25"}
ANA_ORDERS = (1001, 1004)
ANA_ORDER_ID = 1890000101
SECRET = cache_secret("test-token")


class CountingStore:
    """The demo store, counting the requests that reach the API."""

    def __init__(self) -> None:
        self.store = DemoStore()
        self.requests: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.store.handle(request)


@pytest.fixture
def api() -> CountingStore:
    return CountingStore()


@pytest.fixture
def cache(redis_client: Redis, prefix: str) -> OrderCache:
    return OrderCache(redis_client, f"{prefix}:nuvemshop", secret=SECRET)


def cached_client(api: CountingStore, cache: OrderCache) -> CachedNuvemshopClient:
    return CachedNuvemshopClient(
        cache=cache,
        store_id=DEMO_STORE_ID,
        access_token=DEMO_ACCESS_TOKEN,
        user_agent=USER_AGENT,
        order_fields=ORDER_FIELDS,
        transport=httpx.MockTransport(api.handle),
    )


@pytest.fixture
async def client(api: CountingStore, cache: OrderCache) -> AsyncIterator[CachedNuvemshopClient]:
    async with cached_client(api, cache) as opened:
        yield opened


async def keys(redis_client: Redis, prefix: str) -> list[str]:
    return sorted([key.decode() async for key in redis_client.scan_iter(match=f"{prefix}*")])


async def test_second_lookup_is_served_from_redis(
    client: CachedNuvemshopClient, api: CountingStore
) -> None:
    first = await client.find_order_by_number("#1001")
    second = await client.find_order_by_number(1001)
    assert first is not None and first == second
    assert len(api.requests) == 1
    by_id = await client.get_order(first.id)
    assert by_id == first
    assert len(api.requests) == 1


async def test_get_order_is_cached_with_the_raw_json_and_a_ttl(
    client: CachedNuvemshopClient, api: CountingStore, redis_client: Redis, prefix: str
) -> None:
    order = await client.get_order(ANA_ORDER_ID)
    assert await client.get_order(ANA_ORDER_ID) == order
    assert len(api.requests) == 1
    key = client.cache.order_key(DEMO_STORE_ID, ANA_ORDER_ID)
    assert key.startswith(prefix)
    raw = await redis_client.get(key)
    assert raw is not None and json.loads(raw)["contact_email"] == ANA["email"]
    assert 0 < await redis_client.pttl(key) <= 60_000


async def test_ttl_is_configurable(api: CountingStore, redis_client: Redis, prefix: str) -> None:
    cache = OrderCache(redis_client, f"{prefix}:nuvemshop", secret=SECRET, ttl=5)
    async with cached_client(api, cache) as client:
        await client.find_order_by_number(1002)
    for key in await keys(redis_client, prefix):
        assert 0 < await redis_client.pttl(key) <= 5_000


async def test_invalidate_order_sends_the_next_lookup_to_the_api(
    client: CachedNuvemshopClient, api: CountingStore
) -> None:
    await client.find_order_by_number(1001)
    await client.search_orders(ANA["email"])
    assert len(api.requests) == 2
    removed = await client.cache.invalidate_order(DEMO_STORE_ID, ANA_ORDER_ID)
    assert removed == 3  # by number, by id, and the search that listed it
    await client.find_order_by_number(1001)
    await client.search_orders(ANA["email"])
    assert len(api.requests) == 4


async def test_invalidate_order_keeps_other_orders(
    client: CachedNuvemshopClient, api: CountingStore
) -> None:
    await client.find_order_by_number(1001)
    await client.find_order_by_number(1002)
    await client.cache.invalidate_order(DEMO_STORE_ID, ANA_ORDER_ID, number=1001)
    await client.find_order_by_number(1002)
    assert len(api.requests) == 2


async def test_searches_are_cached_under_hashed_keys(
    client: CachedNuvemshopClient, api: CountingStore, redis_client: Redis, prefix: str
) -> None:
    found = await client.search_orders(ANA["email"])
    assert sorted(o.number for o in found) == list(ANA_ORDERS)
    assert await client.search_orders(f"  {ANA['email']} ") == found
    assert len(api.requests) == 1
    names = await keys(redis_client, prefix)
    assert any(":search:" in name for name in names)
    for name in names:
        assert "ana" not in name.lower() and "@" not in name and "example" not in name
        assert "98765" not in name and "52998224725" not in name


async def test_empty_results_are_not_cached(
    client: CachedNuvemshopClient, api: CountingStore, redis_client: Redis, prefix: str
) -> None:
    assert await client.search_orders("nobody@example.com") == []
    assert await client.find_order_by_number(999999) is None
    assert await keys(redis_client, prefix) == []


@pytest.mark.parametrize("identifier", ["email", "phone", "cpf"])
async def test_forget_customer_removes_every_entry_that_mentions_them(
    identifier: str, client: CachedNuvemshopClient, api: CountingStore
) -> None:
    await client.find_order_by_number(1001)
    await client.find_order_by_number(1004)
    await client.search_orders(ANA["email"])
    await client.find_order_by_number(1002)  # Bruno's order stays cached
    assert len(api.requests) == 4
    removed = await client.cache.forget_customer(DEMO_STORE_ID, **{identifier: ANA[identifier]})
    assert removed == 5  # two orders by number and by id, and the search
    await client.find_order_by_number(1001)
    await client.find_order_by_number(1004)
    await client.search_orders(ANA["email"])
    await client.find_order_by_number(1002)
    assert len(api.requests) == 7


async def test_forget_customer_also_drops_their_searches_by_email(
    client: CachedNuvemshopClient, redis_client: Redis, prefix: str
) -> None:
    await client.search_orders("ANA.SOUZA@example.com")
    assert await client.cache.forget_customer(DEMO_STORE_ID, email=ANA["email"]) == 1
    remaining = [k for k in await keys(redis_client, prefix) if ":search:" in k]
    assert remaining == []


async def test_forget_customer_without_identifiers_removes_nothing(
    client: CachedNuvemshopClient,
) -> None:
    await client.find_order_by_number(1001)
    assert await client.cache.forget_customer(DEMO_STORE_ID) == 0


async def test_customer_reads_are_not_cached(
    client: CachedNuvemshopClient, api: CountingStore
) -> None:
    await client.search_customers("ana")
    await client.search_customers("ana")
    assert len(api.requests) == 2


async def test_redis_outage_falls_back_to_the_api(api: CountingStore) -> None:
    broken = Redis(host="127.0.0.1", port=1, retry=Retry(NoBackoff(), 0))
    try:
        cache = OrderCache(broken, "atendente-test-broken", secret=SECRET)
        async with cached_client(api, cache) as client:
            assert await client.find_order_by_number(1001) is not None
            assert await client.find_order_by_number(1001) is not None
    finally:
        await broken.aclose()
    assert len(api.requests) == 2


def test_ttl_must_be_positive(redis_client: Redis, prefix: str) -> None:
    with pytest.raises(ValueError):
        OrderCache(redis_client, prefix, secret=SECRET, ttl=0)


async def test_an_unreadable_entry_is_a_miss(
    client: CachedNuvemshopClient, api: CountingStore, redis_client: Redis
) -> None:
    await redis_client.set(client.cache.number_key(DEMO_STORE_ID, 1001), b"\xff not json")
    assert await client.find_order_by_number(1001) is not None
    assert len(api.requests) == 1
