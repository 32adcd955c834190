"""The WhatsApp webhook and the turn worker: stored once, answered once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from agent.burst import merge
from agent.turn import run_turn
from server.inbound import decode
from server.worker import TurnParts, TurnWorker
from tests.server import whatsapp
from tests.server.conftest import Service

ANA = "5511987654321"
STRANGER = "5511900000000"


async def post(
    service: Service, payload: dict[str, Any] | bytes, headers: dict[str, str] | None = None
) -> Any:
    body, signed_headers = whatsapp.signed(payload)
    return await service.http.post(
        "/webhooks/whatsapp",
        content=body,
        headers=headers if headers is not None else signed_headers,
    )


async def answer_all(service: Service, *, claim_idle_ms: int | None = None) -> int:
    worker = TurnWorker(TurnParts.of(service.services), debounce_seconds=0)
    queue = service.services.inbound_queue
    if claim_idle_ms is not None:
        queue.claim_idle_ms = claim_idle_ms
    handled = 0
    while count := await queue.process("test-worker", worker.handle, block_ms=10):
        handled += count
    return handled


async def replies(service: Service, wa_id: str) -> list[str]:
    entries = await service.services.outbox.entries(wa_id)
    return ["\n".join(m.get("text", "") for m in e.messages) for e in entries]


async def test_verification_handshake(service: Service) -> None:
    ok = await service.http.get(
        "/webhooks/whatsapp",
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": "demo-verify-token",
            "hub.challenge": "42",
        },
    )
    assert ok.status_code == 200 and ok.text == "42"
    wrong = await service.http.get(
        "/webhooks/whatsapp",
        params={"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "42"},
    )
    assert wrong.status_code == 403


async def test_a_message_is_stored_once_and_answered_once(service: Service) -> None:
    payload = whatsapp.message(ANA, "oi, cadê meu pedido 1001?")
    first = await post(service, payload)
    again = await post(service, payload)
    assert first.json() == {"stored": 1, "duplicates": 0}
    assert again.json() == {"stored": 0, "duplicates": 1}
    assert await answer_all(service) == 1
    [reply] = await replies(service, ANA)
    assert "AA123456785BR" in reply


async def test_five_concurrent_deliveries_produce_one_reply(service: Service) -> None:
    payload = whatsapp.message(ANA, "qual o horário de vocês?")
    answers = await asyncio.gather(*(post(service, payload) for _ in range(5)))
    assert sorted(a.json()["stored"] for a in answers) == [0, 0, 0, 0, 1]
    await answer_all(service)
    assert len(await replies(service, ANA)) == 1


async def test_a_burst_is_answered_as_one_turn(service: Service) -> None:
    now = 1_790_000_000
    for offset, text in enumerate(["oi", "quero saber do meu pedido", "1001"]):
        await post(service, whatsapp.message(ANA, text, timestamp=now + offset))
    await answer_all(service)
    [reply] = await replies(service, ANA)
    assert "AA123456785BR" in reply


async def test_a_dead_workers_message_is_claimed_and_answered_once(service: Service) -> None:
    await post(service, whatsapp.message(ANA, "cadê meu pedido 1001?"))
    queue = service.services.inbound_queue
    assert await queue.read("worker-that-dies", block_ms=10)  # read, never acknowledged
    assert await answer_all(service) == 0, "the entry is pending for the dead worker"
    assert await answer_all(service, claim_idle_ms=0) == 1
    assert len(await replies(service, ANA)) == 1


async def test_a_turn_that_ran_but_did_not_queue_its_reply_is_not_run_again(
    service: Service,
) -> None:
    await post(service, whatsapp.message(STRANGER, "cadê meu pedido 1001?"))
    [queue] = service.services.inbound_queue.shards
    [entry] = await queue.read("crashing", block_ms=10)
    message = decode(entry.fields["message"])
    services = service.services
    await run_turn(services.graph, services.context, merge([message]))  # then the worker died
    await TurnWorker(TurnParts.of(services), debounce_seconds=0).handle(entry.fields)  # the retry
    [reply] = await replies(service, STRANGER)
    assert "e-mail" in reply
    state = await services.graph.aget_state({"configurable": {"thread_id": STRANGER}})
    human = [m for m in state.values["messages"] if m.type == "human"]
    assert len(human) == 1, "the turn ran once"


@pytest.mark.parametrize(
    ("kind", "body", "words"),
    [
        ("image", {"id": "MEDIA1", "mime_type": "image/jpeg"}, "imagem"),
        ("audio", {"id": "MEDIA2", "mime_type": "audio/ogg", "voice": True}, "áudio"),
        ("sticker", {"id": "MEDIA3", "animated": False}, "ajudar"),
        ("order", {"catalog_id": "1"}, "formato"),
    ],
)
async def test_media_and_unknown_types_get_a_polite_answer(
    service: Service, kind: str, body: dict[str, Any], words: str
) -> None:
    await post(service, whatsapp.message(ANA, kind=kind, body=body))
    await answer_all(service)
    [reply] = await replies(service, ANA)
    assert words in reply


async def test_button_replies_are_understood(service: Service) -> None:
    tap = {
        "type": "button_reply",
        "button_reply": {"id": "menu_human_agent", "title": "Falar com atendente"},
    }
    await post(service, whatsapp.message(ANA, kind="interactive", body=tap))
    await answer_all(service)
    [reply] = await replies(service, ANA)
    assert "protocolo" in reply


async def test_statuses_and_bad_requests(service: Service) -> None:
    failed = whatsapp.status(ANA, "failed", errors=[{"code": 131047, "title": "Re-engagement"}])
    assert (await post(service, failed)).json() == {"stored": 0, "duplicates": 0}
    body, headers = whatsapp.signed(whatsapp.message(ANA, "oi"), secret="forged")
    assert (await post(service, body, headers)).status_code == 401
    assert (await post(service, b"{not json")).status_code == 400
    assert (await post(service, {"object": "page"})).status_code == 400
    assert await service.services.redis.xlen(service.services.inbound.streams[0]) == 0


async def test_a_flooding_customer_gets_one_notice_then_silence(service: Service) -> None:
    limit = service.services.settings.flood_limit_per_minute
    answers = [await post(service, whatsapp.message(STRANGER, f"oi {n}")) for n in range(limit + 5)]
    assert all(a.status_code == 200 for a in answers)
    assert sum(a.json()["stored"] for a in answers) == limit
    notices = [e for e in await service.services.outbox.entries(STRANGER) if e.source == "flood"]
    assert len(notices) == 1
    assert "muitas mensagens" in notices[0].messages[0]["text"]


async def test_meta_redelivering_a_message_does_not_count_as_flooding(service: Service) -> None:
    limit = service.services.settings.flood_limit_per_minute
    same = whatsapp.message(STRANGER, "oi, cadê meu pedido?")
    answers = [await post(service, same) for _ in range(limit + 5)]
    assert [a.json() for a in answers[:2]] == [
        {"stored": 1, "duplicates": 0},
        {"stored": 0, "duplicates": 1},
    ]
    assert not [e for e in await service.services.outbox.entries(STRANGER) if e.source == "flood"]
    fresh = await post(service, whatsapp.message(STRANGER, "alô?"))
    assert fresh.json() == {"stored": 1, "duplicates": 0}


async def test_metrics_count_turns_and_nodes(service: Service) -> None:
    await post(service, whatsapp.message(ANA, "cadê meu pedido 1001?"))
    await answer_all(service)
    scrape = (await service.http.get("/metrics")).text
    assert 'atendente_turns_total{brain="rules",outcome="answered"}' in scrape
    assert 'atendente_node_seconds_count{node="verify_identity"}' in scrape
    assert 'atendente_queue_depth{queue="outbox"}' in scrape
