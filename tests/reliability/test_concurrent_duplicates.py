"""Meta delivers at least once, sometimes the same webhook several times at once: one reply."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from server.services import Services
from tests.reliability.support import (
    answer_counts,
    customers,
    dead_letters,
    delivered,
    drained,
    reply_ledger,
    running_app,
    wait_until,
)
from tests.server import whatsapp
from tests.server.conftest import service_settings

Running = tuple[httpx.AsyncClient, Services]


@pytest.fixture
async def running(
    redis_url: str, prefix: str, tmp_path: Path, redis_client: Redis
) -> AsyncIterator[Running]:
    settings = service_settings(redis_url, prefix, tmp_path, debounce_seconds=0)
    async with running_app(settings) as opened:
        yield opened


async def deliver(http: httpx.AsyncClient, payload: dict[str, object]) -> httpx.Response:
    body, headers = whatsapp.signed(payload)
    return await http.post("/webhooks/whatsapp", content=body, headers=headers)


async def test_five_concurrent_deliveries_get_one_reply_on_whatsapp(
    running: Running, redis_client: Redis, prefix: str
) -> None:
    http, services = running
    [ana] = customers(1)
    payload = whatsapp.message(ana, "qual o horário de vocês?")
    answers = await asyncio.gather(*(deliver(http, payload) for _ in range(5)))

    assert [a.status_code for a in answers] == [200] * 5
    assert sorted(a.json()["stored"] for a in answers) == [0, 0, 0, 0, 1]
    assert await wait_until(lambda: drained(redis_client, prefix), timeout=10)
    fake = services.whatsapp.fake
    assert fake is not None
    [reply] = fake.messages(ana)
    assert "9h às 18h" in reply.payload["text"]["body"]
    assert len(await delivered(redis_client, prefix, ana)) == 1


async def test_duplicates_of_many_customers_interleaved_get_one_reply_each(
    running: Running, redis_client: Redis, prefix: str
) -> None:
    http, services = running
    people = customers(12)
    payloads = {wa_id: whatsapp.message(wa_id, "qual o horário de vocês?") for wa_id in people}
    deliveries = [payload for payload in payloads.values() for _ in range(5)]
    random.Random(7).shuffle(deliveries)
    answers = await asyncio.gather(*(deliver(http, p) for p in deliveries))

    assert {a.status_code for a in answers} == {200}
    assert sum(a.json()["stored"] for a in answers) == len(people)
    assert await wait_until(lambda: drained(redis_client, prefix), timeout=15)
    fake = services.whatsapp.fake
    assert fake is not None
    assert {wa_id: len(fake.messages(wa_id)) for wa_id in people} == dict.fromkeys(people, 1)
    message_ids = {p["entry"][0]["changes"][0]["value"]["messages"][0]["id"] for p in deliveries}
    counts = answer_counts(await reply_ledger(redis_client, prefix))
    assert counts == dict.fromkeys(message_ids, 1)
    assert await dead_letters(redis_client, prefix) == 0
