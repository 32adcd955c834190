"""POST /webhooks/nuvemshop: signatures, bad input, once-only automations."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
from redis.asyncio import Redis

from server.app import create_app
from tests.server.conftest import Service, service_settings

ORDER_1004 = 1890000104
ANA_WA_ID = "5511987654321"


def fulfilled(order_id: int = ORDER_1004) -> dict[str, object]:
    return {"store_id": 1234567, "event": "order/fulfilled", "id": order_id}


async def test_order_fulfilled_three_times_queues_one_pedido_enviado(service: Service) -> None:
    replies = [await service.webhook(fulfilled()) for _ in range(3)]
    assert [r.status_code for r in replies] == [200, 200, 200]
    assert [r.json()["status"] for r in replies] == ["queued", "duplicate", "duplicate"]
    await service.drain()
    entries = await service.services.outbox.entries(ANA_WA_ID)
    assert len(entries) == 1
    [message] = entries[0].messages
    assert "Pedido enviado" in message["text"] and "*1004*" in message["text"]
    assert message["type"] == "template", "Ana has not written in 24 h: a template is due"
    # Order 1004 has no tracking code yet: its own template, with no empty parameter.
    assert message["template"]["name"] == "pedido_enviado_sem_rastreio"
    assert message["template"]["parameters"] == ["Ana", "1004"]


async def test_inside_the_window_the_notice_is_free_text(service: Service) -> None:
    await service.services.window.customer_wrote(ANA_WA_ID)
    await service.webhook(fulfilled())
    await service.drain()
    [entry] = await service.services.outbox.entries(ANA_WA_ID)
    assert entry.messages[0]["type"] == "text"


async def test_the_outbox_key_alone_also_stops_a_second_notice(service: Service) -> None:
    await service.webhook(fulfilled())
    await service.services.redis.delete(
        *[k async for k in service.services.redis.scan_iter(match="*webhook-seen*")]
    )
    assert (await service.webhook(fulfilled())).json()["status"] == "queued"
    await service.drain()
    assert len(await service.services.outbox.entries(ANA_WA_ID)) == 1


async def test_shipped_order_notice_carries_code_and_link(service: Service) -> None:
    await service.webhook(fulfilled(1890000101))
    await service.drain()
    [entry] = await service.services.outbox.entries(ANA_WA_ID)
    assert "AA123456785BR" in entry.messages[0]["text"]
    assert "rastreamento.correios.com.br" in entry.messages[0]["text"]


async def test_paid_and_cancelled_notices(service: Service) -> None:
    await service.webhook({"store_id": 1, "event": "order/paid", "id": 1890000102})
    await service.webhook({"store_id": 1, "event": "order/cancelled", "id": 1890000103})
    await service.drain()
    [paid] = await service.services.outbox.entries("5521998765432")
    [cancelled] = await service.services.outbox.entries("5531912345678")
    assert "Recebemos o pagamento" in paid.messages[0]["text"]
    assert "cancelado" in cancelled.messages[0]["text"]


async def test_other_events_and_vanished_orders_queue_nothing(service: Service) -> None:
    await service.webhook({"store_id": 1, "event": "order/updated", "id": ORDER_1004})
    await service.webhook({"store_id": 1, "event": "order/paid", "id": 999})
    assert await service.drain() == 2
    assert await service.services.outbox.entries() == []


async def test_forged_and_missing_signatures_are_refused_without_side_effects(
    service: Service,
) -> None:
    forged = await service.webhook(fulfilled(), secret="not-the-secret")
    unsigned = await service.webhook(fulfilled(), secret=None)
    assert forged.status_code == 401 and unsigned.status_code == 401
    redis = service.services.redis
    assert await redis.xlen(service.services.store_events.stream) == 0
    assert [k async for k in redis.scan_iter(match="*webhook-seen*")] == []


async def test_malformed_bodies_get_400(service: Service) -> None:
    assert (await service.webhook(b"{not json")).status_code == 400
    assert (await service.webhook(b"[1, 2]")).status_code == 400
    assert (await service.webhook({"store_id": 1})).status_code == 400
    assert (await service.webhook(b"x" * (65 * 1024))).status_code == 413


async def test_the_running_service_sends_the_notice_to_whatsapp_once(
    redis_url: str, prefix: str, tmp_path: Path, redis_client: Redis
) -> None:
    app = create_app(service_settings(redis_url, prefix, tmp_path))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://atendente") as http:
            running = Service(http, app.state.services)
            fake = running.services.whatsapp.fake
            assert fake is not None
            await running.webhook(fulfilled())
            await running.webhook(fulfilled())
            for _ in range(100):
                if fake.messages(ANA_WA_ID):
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.2)
            [sent] = fake.messages(ANA_WA_ID)
            assert sent.payload["type"] == "template", "Ana's 24 h window is closed"
            assert sent.payload["template"]["name"] == "pedido_enviado_sem_rastreio"
            assert "1004" in json.dumps(sent.payload)


async def cached_keys(service: Service) -> list[bytes]:
    prefix = service.services.settings.redis_prefix
    redis = service.services.redis
    return [key async for key in redis.scan_iter(match=f"{prefix}:nuvemshop:cache*")]


async def test_an_order_event_refreshes_the_cached_order(service: Service) -> None:
    nuvemshop = service.services.nuvemshop
    redis = service.services.redis
    assert await nuvemshop.get_order(ORDER_1004) is not None
    [key] = [k for k in await cached_keys(service) if k.endswith(b":order:1890000104")]
    stale = json.loads(await redis.get(key))
    stale["contact_name"] = "Nome Antigo"
    await redis.set(key, json.dumps(stale), keepttl=True)
    cached = await nuvemshop.get_order(ORDER_1004)
    assert cached is not None and cached.contact_name == "Nome Antigo"

    await service.webhook({"store_id": 1, "event": "order/updated", "id": ORDER_1004})
    await service.drain()
    fresh = await nuvemshop.get_order(ORDER_1004)
    assert fresh is not None and fresh.contact_name == "Ana Souza"


async def test_signed_payloads_with_odd_field_types_are_refused_at_the_door(
    service: Service,
) -> None:
    odd_orders = [
        {"store_id": 1234567, "event": "order/paid", "id": "²"},
        {"store_id": 1234567, "event": "order/paid", "id": "1/../2"},
        {"store_id": "um", "event": "order/paid", "id": 1},
    ]
    for payload in odd_orders:
        assert (await service.webhook(payload)).status_code == 400, payload
    odd_privacy = [
        ({"store_id": 1, "customer": {"id": 1, "phone": 5511987654321}}, "/customers-redact"),
        ({"store_id": 1, "customer": {"email": ["a@b.c"]}}, "/customers-redact"),
        (
            {"store_id": 1, "customer": {"id": 1}, "data_request": {"id": "../../etc"}},
            "/customers-data-request",
        ),
    ]
    for payload, path in odd_privacy:
        assert (await service.webhook(payload, path=path)).status_code == 400, payload
    lone_surrogate = b'{"store_id": 1, "customer": {"id": 1, "email": "\\ud800@x.com"}}'
    assert (await service.webhook(lone_surrogate, path="/customers-redact")).status_code == 400
    assert await service.services.redis.xlen(service.services.store_events.stream) == 0
