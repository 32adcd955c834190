"""LGPD webhooks: forget a customer, forget the store, export a customer's data."""

from __future__ import annotations

import json
from pathlib import Path

from agent.state import Inbound
from agent.turn import run_turn, thread_config
from tests.reliability.support import inbound, now_ms
from tests.server.conftest import Service

ANA = {
    "id": 9001,
    "email": "ana.souza@example.com",
    "phone": "+5511987654321",
    "identification": "52998224725",
}


async def talk(service: Service, wa_id: str, text: str) -> None:
    services = service.services
    await services.window.customer_wrote(wa_id)
    await run_turn(
        services.graph, services.context, Inbound(sender_id=wa_id, phone="+" + wa_id, text=text)
    )


async def test_customers_redact_deletes_conversation_window_and_queued_messages(
    service: Service,
) -> None:
    await talk(service, "5511987654321", "cadê meu pedido 1001?")
    await talk(service, "5521998765432", "oi")
    await service.webhook({"store_id": 1, "event": "order/fulfilled", "id": 1890000104})
    await service.drain()
    services = service.services
    await services.inbound.admit(inbound("5511987654321", "oi"), now_ms(), services.flood)
    assert await services.redis.exists(services.flood.key("5511987654321"))
    assert await services.redis.exists(services.inbound.admitted_key("5511987654321"))

    reply = await service.webhook(
        {"store_id": 1, "customer": ANA, "orders_to_redact": [1001]}, path="/customers-redact"
    )
    assert reply.json() == {"status": "queued"}
    await service.drain()

    assert await services.saver.aget_tuple(thread_config("5511987654321")) is None
    assert not await services.window.is_open("5511987654321")
    assert await services.outbox.entries("5511987654321") == []
    assert not await services.redis.exists(services.flood.key("5511987654321"))
    assert not await services.redis.exists(services.inbound.admitted_key("5511987654321"))
    assert await services.saver.aget_tuple(thread_config("5521998765432")) is not None


async def test_data_request_exports_the_conversation(service: Service, tmp_path: Path) -> None:
    await talk(service, "5511987654321", "cadê meu pedido 1001?")
    await service.webhook(
        {"store_id": 1, "customer": ANA, "orders_requested": [1001], "data_request": {"id": 77}},
        path="/customers-data-request",
    )
    await service.drain()
    [export] = (tmp_path / "exports").glob("*77.json")
    assert oct(export.stat().st_mode & 0o777) == "0o600"
    data = json.loads(export.read_text())
    [conversation] = data["conversations"]
    assert conversation["messages"][0] == {"from": "cliente", "text": "cadê meu pedido 1001?"}
    assert "AA123456785BR" in conversation["messages"][1]["text"]


async def test_store_redact_deletes_every_conversation(service: Service) -> None:
    await talk(service, "5511987654321", "oi")
    await talk(service, "5521998765432", "oi")
    await service.webhook({"store_id": 1}, path="/store-redact")
    await service.drain()
    saver = service.services.saver
    assert [t async for t in saver.alist(None)] == []


async def test_privacy_webhooks_need_a_signature_and_a_customer(service: Service) -> None:
    assert (
        await service.webhook(
            {"store_id": 1, "customer": ANA}, path="/customers-redact", secret="forged"
        )
    ).status_code == 401
    assert (await service.webhook({"store_id": 1}, path="/customers-redact")).status_code == 400
    assert (await service.webhook({"store_id": 1}, path="/whatever")).status_code == 404


BRUNO = {"id": 9002, "email": "bruno.lima@example.com", "phone": "+5521998765432"}


async def test_every_customers_redact_is_carried_out_and_a_retry_only_once(
    service: Service,
) -> None:
    await talk(service, "5511987654321", "cadê meu pedido 1001?")
    await talk(service, "5521998765432", "oi")
    for_bruno = {"store_id": 1, "customer": BRUNO, "orders_to_redact": [1002]}
    for_ana = {"store_id": 1, "customer": ANA, "orders_to_redact": [1001]}
    first = await service.webhook(for_bruno, path="/customers-redact")
    retry = await service.webhook(for_bruno, path="/customers-redact")
    second = await service.webhook(for_ana, path="/customers-redact")
    assert [r.json()["status"] for r in (first, retry, second)] == [
        "queued",
        "duplicate",
        "queued",
    ]
    await service.drain()
    saver = service.services.saver
    assert await saver.aget_tuple(thread_config("5521998765432")) is None
    assert await saver.aget_tuple(thread_config("5511987654321")) is None
    seen = [key async for key in service.services.redis.scan_iter(match="*webhook-seen*")]
    assert seen and not any(b"ana" in key or b"5511987654321" in key for key in seen)


async def bury(service: Service, stream: str, fields: dict[str, str]) -> None:
    await service.services.redis.xadd(f"{stream}:dead", {**fields, "error": "RuntimeError"})


async def dead_letters(service: Service) -> list[str]:
    redis = service.services.redis
    prefix = service.services.settings.redis_prefix
    found = []
    async for stream in redis.scan_iter(match=f"{prefix}*:dead"):
        found += [str(fields) for _, fields in await redis.xrange(stream)]
    return found


async def test_customers_redact_erases_their_dead_letters_and_exports(
    service: Service, tmp_path: Path
) -> None:
    services = service.services
    await talk(service, "5511987654321", "cadê meu pedido 1001?")
    await service.webhook(
        {"store_id": 1, "customer": ANA, "data_request": {"id": 78}},
        path="/customers-data-request",
    )
    await service.webhook(
        {"store_id": 1, "customer": BRUNO, "data_request": {"id": 79}},
        path="/customers-data-request",
    )
    await service.drain()
    outbox = services.outbox
    await bury(
        service,
        outbox.stream_for("5511987654321"),
        {"recipient": "5511987654321", "messages": "[]"},
    )
    await bury(
        service,
        outbox.stream_for("5521998765432"),
        {"recipient": "5521998765432", "messages": "[]"},
    )
    await bury(
        service, services.store_events.stream, {"payload": '{"email": "ana.souza@example.com"}'}
    )

    await service.webhook({"store_id": 1, "customer": ANA}, path="/customers-redact")
    await service.drain()

    left = await dead_letters(service)
    assert not [entry for entry in left if "5511987654321" in entry or "ana.souza" in entry]
    assert [entry for entry in left if "5521998765432" in entry], "Bruno's stays"
    exports = sorted(p.name for p in (tmp_path / "exports").glob("*.json"))
    assert exports == ["data-request-1-79.json"]


async def test_store_redact_leaves_no_customer_key_dead_letter_or_export(
    service: Service, tmp_path: Path
) -> None:
    services = service.services
    await talk(service, "5511987654321", "oi")
    await services.inbound.admit(inbound("5511987654321", "oi"), now_ms(), services.flood)
    await service.webhook(
        {"store_id": 1, "customer": ANA, "data_request": {"id": 80}},
        path="/customers-data-request",
    )
    await service.drain()
    await bury(
        service,
        services.outbox.stream_for("5511987654321"),
        {"recipient": "5511987654321", "messages": "[]"},
    )
    await service.webhook({"store_id": 1}, path="/store-redact")
    await service.drain()
    redis = services.redis
    prefix = services.settings.redis_prefix
    remaining = [key.decode() async for key in redis.scan_iter(match=f"{prefix}*")]
    assert not [key for key in remaining if "5511987654321" in key], remaining
    assert await dead_letters(service) == []
    assert list((tmp_path / "exports").glob("*.json")) == []
