"""A customer's WhatsApp message through the running service, to the (offline) Graph API."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from server.app import create_app
from server.services import Services
from tests.server import whatsapp
from tests.server.conftest import service_settings

ANA = "5511987654321"


@pytest.fixture
async def running(
    redis_url: str, prefix: str, tmp_path: Path, redis_client: Redis
) -> AsyncIterator[tuple[httpx.AsyncClient, Services]]:
    settings = service_settings(redis_url, prefix, tmp_path, debounce_seconds=0.3)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://atendente") as http:
            yield http, app.state.services


async def sent_texts(services: Services, wa_id: str, count: int) -> list[str]:
    fake = services.whatsapp.fake
    assert fake is not None
    for _ in range(200):
        if len(fake.messages(wa_id)) >= count:
            break
        await asyncio.sleep(0.05)
    return [json.dumps(m.payload, ensure_ascii=False) for m in fake.messages(wa_id)]


async def test_a_message_is_answered_on_whatsapp(
    running: tuple[httpx.AsyncClient, Services],
) -> None:
    http, services = running
    body, headers = whatsapp.signed(whatsapp.message(ANA, "oi, cadê meu pedido 1001?"))
    assert (await http.post("/webhooks/whatsapp", content=body, headers=headers)).status_code == 200
    [reply] = await sent_texts(services, ANA, 1)
    assert "AA123456785BR" in reply
    fake = services.whatsapp.fake
    assert fake is not None and fake.reads, "the message was marked read, with typing"


async def test_a_burst_gets_one_answer_and_duplicates_none(
    running: tuple[httpx.AsyncClient, Services],
) -> None:
    http, services = running
    now = 1_790_000_000
    payloads = [
        whatsapp.message(ANA, text, timestamp=now + i)
        for i, text in enumerate(["oi", "qual o status do meu pedido", "1001"])
    ]
    for payload in payloads + payloads:
        body, headers = whatsapp.signed(payload)
        await http.post("/webhooks/whatsapp", content=body, headers=headers)
    replies = await sent_texts(services, ANA, 1)
    await asyncio.sleep(1.0)
    replies = await sent_texts(services, ANA, 1)
    assert len(replies) == 1
    assert "AA123456785BR" in replies[0]
