"""Redis restarts under load: webhooks answer 503 meanwhile, and every stored message is
answered exactly once afterwards, by an app that never crashed.

The app runs against an `EmbeddedRedis` of its own (append-only file on), stopped with
SIGTERM (the AOF is flushed) and started again on the same port. `EmbeddedRedis` always
picks a fresh port, so the test pins it by patching `_free_port` for the restart.

A turn or a send cut by the outage leaves its entry pending and perhaps its customer's
lock held; both wait 60 s in production, with no setting to shorten them, so the test
shortens them on the running queues and the worker module.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

import integrations.redis.embedded as embedded
from integrations.redis.embedded import EmbeddedRedis
from server.services import Services
from tests.reliability.support import (
    ONE_LINE_TEXTS,
    answer_counts,
    customers,
    dead_letters,
    drained,
    reply_ledger,
    running_app,
    wait_until,
)
from tests.server import whatsapp
from tests.server.conftest import service_settings

pytestmark = pytest.mark.slow

Running = tuple[httpx.AsyncClient, Services]
RETRY_IDLE_MS = 1000
LOCK_SECONDS = 2.0


class RestartableRedis:
    """An embedded server that comes back on the port it had, with or without its data."""

    def __init__(self, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.data_dir = data_dir
        self.server = EmbeddedRedis(data_dir).start()
        self.port = self.server.port
        self.url = self.server.url
        self._monkeypatch = monkeypatch

    async def stop(self) -> None:
        await asyncio.to_thread(self.server.stop)

    async def start(self, data_dir: Path | None = None) -> None:
        """Start again on the same port, on the same data unless told otherwise."""
        with self._monkeypatch.context() as patch:
            patch.setattr(embedded, "_free_port", lambda: self.port)
            self.server = await asyncio.to_thread(EmbeddedRedis(data_dir or self.data_dir).start)
        assert self.server.port == self.port


@pytest.fixture
def own_redis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RestartableRedis]:
    server = RestartableRedis(tmp_path / "redis", monkeypatch)
    try:
        yield server
    finally:
        server.server.stop()


@pytest.fixture
async def running(
    own_redis: RestartableRedis, prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Running]:
    settings = service_settings(
        own_redis.url,
        prefix,
        tmp_path / "app",
        debounce_seconds=0,
        turn_lock_seconds=LOCK_SECONDS,
    )
    async with running_app(settings) as (http, services):
        for queue in (services.inbound_queue, services.outbox_queue, services.store_events):
            queue.claim_idle_ms = RETRY_IDLE_MS
        yield http, services


@pytest.fixture
async def own_client(own_redis: RestartableRedis) -> AsyncIterator[Redis]:
    client = Redis.from_url(own_redis.url)
    yield client
    await client.aclose()


class Meta:
    """Delivers webhooks the way Meta does: again, a little later, until one is a 200."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.statuses: list[int] = []
        self.stored: dict[str, list[str]] = {}

    async def deliver(self, wa_id: str, text: str) -> None:
        payload = whatsapp.message(wa_id, text)
        message_id = payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
        body, headers = whatsapp.signed(payload)
        while True:
            response = await self.http.post("/webhooks/whatsapp", content=body, headers=headers)
            self.statuses.append(response.status_code)
            if response.status_code == 200:
                self.stored.setdefault(wa_id, []).append(message_id)
                return
            await asyncio.sleep(0.2)


def ids_of(ledger: list[list[str]], message_ids: list[str]) -> list[list[str]]:
    return [ids for ids in ledger if ids[0] in message_ids]


async def answered_exactly_once(services: Services, client: Redis, prefix: str, meta: Meta) -> None:
    assert await wait_until(lambda: drained(client, prefix), timeout=20, every=0.1)
    ledger = await reply_ledger(client, prefix)
    everything = [m for ids in meta.stored.values() for m in ids]
    counts = answer_counts(ledger)
    assert {m: counts[m] for m in everything} == dict.fromkeys(everything, 1)
    assert set(counts) == set(everything)
    fake = services.whatsapp.fake
    assert fake is not None
    for wa_id, message_ids in meta.stored.items():
        assert len(fake.messages(wa_id)) == len(ids_of(ledger, message_ids)), wa_id
    assert await dead_letters(client, prefix) == 0


async def still_working(http: httpx.AsyncClient, services: Services) -> None:
    crashed = [task.get_name() for task in services.tasks if task.done()]
    assert crashed == [], "a worker of the app stopped"
    assert (await http.get("/readyz")).status_code == 200
    [late] = customers(1, start=9000)
    body, headers = whatsapp.signed(whatsapp.message(late, "oi"))
    assert (await http.post("/webhooks/whatsapp", content=body, headers=headers)).status_code == 200
    fake = services.whatsapp.fake
    assert fake is not None

    async def answered() -> bool:
        return len(fake.messages(late)) == 1

    assert await wait_until(answered, timeout=10), "a message after the restart got no answer"


async def load(meta: Meta, *, messages: int, every: float, seed: int) -> list[asyncio.Task[Any]]:
    rng = random.Random(seed)
    people = itertools.cycle(customers(20, start=2000))
    deliveries = []
    for _ in range(messages):
        deliveries.append(
            asyncio.create_task(meta.deliver(next(people), rng.choice(ONE_LINE_TEXTS)))
        )
        await asyncio.sleep(every)
    return deliveries


async def test_a_redis_restart_under_load_loses_and_repeats_nothing(
    running: Running, own_redis: RestartableRedis, own_client: Redis, prefix: str
) -> None:
    http, services = running
    meta = Meta(http)

    async def outage() -> None:
        await asyncio.sleep(1.2)
        await own_redis.stop()
        await asyncio.sleep(2.0)
        await own_redis.start()

    restarting = asyncio.create_task(outage())
    deliveries = await load(meta, messages=60, every=0.05, seed=1)
    await restarting
    await asyncio.wait_for(asyncio.gather(*deliveries), timeout=30)

    assert set(meta.statuses) == {200, 503}, "503 while Redis was down, 200 otherwise"
    assert sum(len(ids) for ids in meta.stored.values()) == 60
    await answered_exactly_once(services, own_client, prefix, meta)
    await still_working(http, services)


async def test_workers_recover_when_redis_comes_back_without_its_data(
    running: Running, own_redis: RestartableRedis, own_client: Redis, prefix: str, tmp_path: Path
) -> None:
    """A Redis without persistence (or a failover to an empty replica) loses the streams'
    consumer groups; the workers must recreate them rather than die on NOGROUP."""
    http, services = running
    meta = Meta(http)
    [before, after] = customers(2, start=3000)
    await meta.deliver(before, "oi")
    await answered_exactly_once(services, own_client, prefix, meta)

    await own_redis.stop()
    await own_redis.start(tmp_path / "empty-redis")
    await meta.deliver(after, "qual o horário de vocês?")

    fake = services.whatsapp.fake
    assert fake is not None

    async def answered() -> bool:
        return len(fake.messages(after)) == 1

    assert await wait_until(answered, timeout=10), "the workers stopped consuming"
    await still_working(http, services)
