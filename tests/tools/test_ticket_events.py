"""Every ticket event lands on the ticket's timeline and goes out on the signed webhook."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
from redis.asyncio import Redis

from tools.handoff_notify import DepartmentNotifier, signature
from tools.ticket_events import StaffMember
from tools.ticket_store import RedisTicketStore

ANA = "5511987654321"
SECRET = "webhook-secret"
JULIA = StaffMember("julia", "Júlia")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


async def test_each_event_is_on_the_timeline_and_posted_signed(
    redis_client: Redis, prefix: str
) -> None:
    posted: list[httpx.Request] = []

    def receive(request: httpx.Request) -> httpx.Response:
        posted.append(request)
        return httpx.Response(200)

    notifier = DepartmentNotifier(
        webhook_url="https://inbox.example/hook",
        webhook_secret=SECRET,
        transport=httpx.MockTransport(receive),
    )
    store = RedisTicketStore(redis_client, prefix, clock=Clock())
    store.listen(notifier.on_event)
    ticket = await store.open(
        department="atendimento", reason="human_request", sender_id=ANA, order_number="1001"
    )
    await store.append(ticket.id, "alô? tem alguém aí?")
    media = {"media": {"kind": "image", "filename": "nota.png"}}
    assert await store.record_reply(ticket.id, "Oi, Ana!", by=JULIA, details=media)
    assert await store.note(ticket.id, "cliente já ligou ontem", by=JULIA)
    assert await store.assign(ticket.id, JULIA, by=JULIA)
    assert await store.transfer(ticket.id, "financeiro", by=JULIA)
    await store.close(ticket.id, by=JULIA)
    await notifier.drain()
    await notifier.aclose()

    kinds = [e.kind for e in await store.timeline(ticket.id)]
    assert kinds == [
        "opened",
        "customer_message",
        "agent_reply",
        "note",
        "assigned",
        "transferred",
        "released",
    ]
    bodies = [json.loads(r.content) for r in posted]
    assert sorted(b["event"] for b in bodies) == sorted(
        f"ticket.{k}" for k in kinds if k != "opened"
    )
    for request in posted:
        assert request.headers["x-atendente-signature"] == signature(SECRET, request.content)
        assert request.headers["x-atendente-event"] == json.loads(request.content)["event"]
    deliveries = {r.headers["x-atendente-delivery"] for r in posted}
    assert len(deliveries) == len(posted), "each event has its own delivery id"
    by_event = {b["event"]: b for b in bodies}
    incoming = by_event["ticket.customer_message"]
    assert incoming["message"] == {
        "content": "alô? tem alguém aí?",
        "message_type": "incoming",
        "private": False,
    }
    assert incoming["customer"] == {"wa_id": ANA} and incoming["agent"] is None
    assert by_event["ticket.agent_reply"]["details"] == media
    assert by_event["ticket.note"]["message"]["private"] is True
    assert by_event["ticket.assigned"]["details"]["assignee"] == {"login": "julia", "name": "Júlia"}
    assert by_event["ticket.transferred"]["details"] == {"from": "atendimento", "to": "financeiro"}
    assert by_event["ticket.released"]["agent"] == {"login": "julia", "name": "Júlia"}
    assert (await store.get(ticket.id)) is not None
    assert await store.list_open("financeiro") == []
