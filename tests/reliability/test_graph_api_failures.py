"""The Graph API fails, then recovers: every message reaches the customer exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from composition.whatsapp import FAKE_PHONE_NUMBER_ID, FAKE_TOKEN
from integrations.whatsapp.client import WhatsAppClient
from integrations.whatsapp.fake_graph import FakeGraphAPI
from integrations.whatsapp.formatting import split_text
from server.app import create_app
from server.sender import OutboxSender
from server.services import Services
from server.worker import TurnParts, TurnWorker
from tests.reliability.support import (
    customers,
    dead_letters,
    delivered,
    drained,
    running_app,
    texts,
    wait_until,
)
from tests.server import whatsapp
from tests.server.conftest import service_settings

Running = tuple[httpx.AsyncClient, Services]
[ANA] = customers(1, start=500)


@pytest.fixture
async def running(
    redis_url: str, prefix: str, tmp_path: Path, redis_client: Redis
) -> AsyncIterator[Running]:
    settings = service_settings(redis_url, prefix, tmp_path, debounce_seconds=0)
    async with running_app(settings) as opened:
        yield opened


@pytest.fixture
async def idle(
    redis_url: str, prefix: str, tmp_path: Path, redis_client: Redis
) -> AsyncIterator[Running]:
    """The app with no workers: the test drives the queues itself."""
    app = create_app(service_settings(redis_url, prefix, tmp_path), run_workers=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://atendente") as http:
            yield http, app.state.services


def fake_of(services: Services) -> FakeGraphAPI:
    fake = services.whatsapp.fake
    assert fake is not None
    return fake


async def no_sleep(_: float) -> None:
    await asyncio.sleep(0)


@asynccontextmanager
async def impatient_sender(
    services: Services, transport: httpx.AsyncBaseTransport
) -> AsyncIterator[OutboxSender]:
    """The real sender and client, with the client's back-off waits skipped."""
    async with WhatsAppClient(
        access_token=FAKE_TOKEN,
        phone_number_id=FAKE_PHONE_NUMBER_ID,
        transport=transport,
        sleep=no_sleep,
    ) as client:
        yield OutboxSender(services.redis, services.settings.redis_prefix, client)


async def send_all(services: Services, sender: OutboxSender) -> int:
    """Handle the outbox until it is empty, retrying failed entries at once."""
    [queue] = services.outbox_queue.shards
    queue.claim_idle_ms = 0
    handled = 0
    for _ in range(10):
        handled += await queue.process("test-sender", sender.handle, block_ms=10)
        if await queue.client.xlen(queue.stream) == 0:
            break
    return handled


@pytest.mark.parametrize(
    ("status", "code", "retry_after"),
    [
        pytest.param(500, 131000, None, id="500"),
        pytest.param(503, 2, None, id="503-service-unavailable"),
        pytest.param(429, 130429, None, id="429-throughput"),
        pytest.param(429, 130429, 0.2, id="429-with-retry-after"),
    ],
)
async def test_a_failure_then_success_delivers_once(
    running: Running,
    redis_client: Redis,
    prefix: str,
    status: int,
    code: int,
    retry_after: float | None,
) -> None:
    _, services = running
    fake = fake_of(services)
    fake.fail_next(status, code, retry_after=retry_after)
    await services.outbox.push(
        ANA, [{"type": "text", "text": "Seu pedido saiu para entrega."}], key="k1", source="test"
    )

    assert await wait_until(lambda: drained(redis_client, prefix), timeout=10)
    assert [m.payload["text"]["body"] for m in fake.messages(ANA)] == [
        "Seu pedido saiu para entrega."
    ]
    assert fake.requests == 2, "one refused attempt, one accepted"
    assert texts(await delivered(redis_client, prefix, ANA)) == ["Seu pedido saiu para entrega."]
    assert await dead_letters(redis_client, prefix) == 0


async def test_a_turn_reply_survives_a_failing_graph_api(
    idle: Running, redis_client: Redis, prefix: str
) -> None:
    http, services = idle
    body, headers = whatsapp.signed(whatsapp.message(ANA, "qual o horário de vocês?"))
    assert (await http.post("/webhooks/whatsapp", content=body, headers=headers)).is_success
    worker = TurnWorker(TurnParts.of(services), debounce_seconds=0)
    assert await services.inbound_queue.process("test-worker", worker.handle, block_ms=10) == 1
    fake = fake_of(services)
    assert fake.reads, "the message was marked read before the failures start"
    fake.fail_next(500, 131000)
    fake.fail_next(429, 130429)

    async with impatient_sender(services, fake.transport()) as sender:
        await send_all(services, sender)

    [reply] = fake.messages(ANA)
    assert "9h às 18h" in reply.payload["text"]["body"]
    assert len(await delivered(redis_client, prefix, ANA)) == 1


async def test_failures_outlasting_the_clients_retries_are_retried_by_the_queue(
    idle: Running, redis_client: Redis, prefix: str
) -> None:
    _, services = idle
    fake = fake_of(services)
    fake.fail_next(500, 131000, times=4)  # every attempt of the client's first try fails
    fake.fail_next(429, 130429, times=4)  # and of its second
    await services.outbox.push(ANA, [{"type": "text", "text": "Oi!"}], key="k2", source="test")

    async with impatient_sender(services, fake.transport()) as sender:
        await send_all(services, sender)

    assert [m.payload["text"]["body"] for m in fake.messages(ANA)] == ["Oi!"]
    assert fake.requests == 9
    assert [await redis_client.xlen(s) for s in services.outbox.streams] == [0]
    assert await dead_letters(redis_client, prefix) == 0


async def test_each_part_of_a_long_message_is_delivered_once(
    idle: Running, redis_client: Redis, prefix: str
) -> None:
    """A text over WhatsApp's limit goes out as several messages; a retry resends none twice.

    Meta accepts the first part, then fails every attempt at the second: the entry is
    retried, and only the second part may be sent again.
    """
    _, services = idle
    fake = fake_of(services)

    async def first_part_then_failures(request: httpx.Request) -> httpx.Response:
        response = await fake.handle(request)
        if sum(len(m) for m in fake.sent.values()) == 1 and response.is_success:
            fake.fail_next(500, 131000, times=4)
        return response

    paragraphs = [f"{n}. Acompanhe seu pedido pelo link de rastreio. " * 10 for n in range(40)]
    long_text = "\n\n".join(paragraphs)
    parts = split_text(long_text)
    assert len(parts) >= 2
    await services.outbox.push(ANA, [{"type": "text", "text": long_text}], key="k3", source="test")

    async with impatient_sender(services, httpx.MockTransport(first_part_then_failures)) as sender:
        await send_all(services, sender)

    bodies = [m.payload["text"]["body"] for m in fake.messages(ANA)]
    assert bodies == parts, f"{len(bodies)} messages delivered for {len(parts)} parts"
    assert [await redis_client.xlen(s) for s in services.outbox.streams] == [0]
