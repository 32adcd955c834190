"""The Redis ticket store: ids, indexes, activity, closing, retention and data deletion."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from tools.departments import TicketStore
from tools.ticket_store import RedisTicketStore

ANA = "5511987654321"
BRUNO = "5521998765432"
START = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(redis_client: Redis, prefix: str, clock: Clock) -> RedisTicketStore:
    return RedisTicketStore(redis_client, prefix, clock=clock)


async def test_it_is_a_ticket_store(store: RedisTicketStore) -> None:
    assert isinstance(store, TicketStore)


async def test_open_and_read_back(store: RedisTicketStore) -> None:
    evidence = {"delivery_problems": [{"kind": "stalled", "tracking_code": "AA123456785BR"}]}
    ticket = await store.open(
        department="logistica",
        reason="delivery_problem",
        sender_id=ANA,
        order_number="1001",
        evidence=evidence,
    )
    assert ticket.id == "ATD-00001"
    again = await store.get(ticket.id)
    assert again is not None
    assert (again.department, again.reason, again.sender_id) == (
        "logistica",
        "delivery_problem",
        ANA,
    )
    assert again.order_number == "1001"
    assert again.opened_at == START
    assert again.evidence == evidence
    assert not again.closed and again.messages == []
    assert await store.get("ATD-99999") is None


async def test_ids_are_unique_across_stores_on_the_same_redis(
    redis_client: Redis, prefix: str
) -> None:
    stores = [RedisTicketStore(redis_client, prefix) for _ in range(3)]
    tickets = await asyncio.gather(
        *(
            s.open(
                department="atendimento", reason="human_request", sender_id=ANA, order_number=None
            )
            for s in stores
            for _ in range(5)
        )
    )
    assert len({t.id for t in tickets}) == 15
    assert (await stores[0].get(tickets[0].id)) is not None


async def test_list_open_by_department_oldest_first(store: RedisTicketStore, clock: Clock) -> None:
    first = await store.open(
        department="financeiro", reason="refund", sender_id=ANA, order_number="1"
    )
    clock.advance(minutes=1)
    second = await store.open(
        department="logistica", reason="delivery_problem", sender_id=BRUNO, order_number=None
    )
    clock.advance(minutes=1)
    third = await store.open(
        department="financeiro", reason="payment_problem", sender_id=BRUNO, order_number="2"
    )
    assert [t.id for t in await store.list_open()] == [first.id, second.id, third.id]
    assert [t.id for t in await store.list_open("financeiro")] == [first.id, third.id]
    await store.close(first.id)
    assert [t.id for t in await store.list_open("financeiro")] == [third.id]
    assert await store.list_open("trocas") == []


async def test_messages_replies_and_activity(store: RedisTicketStore, clock: Clock) -> None:
    ticket = await store.open(
        department="atendimento", reason="human_request", sender_id=ANA, order_number=None
    )
    clock.advance(minutes=5)
    await store.append(ticket.id, "alguém aí?")
    clock.advance(minutes=5)
    assert await store.record_reply(ticket.id, "Oi! Sou a Júlia, do atendimento.")
    found = await store.get(ticket.id)
    assert found is not None and found.messages == ["alguém aí?"]
    activity = await store.activity(ticket.id)
    assert activity is not None
    assert activity.last_activity == START + timedelta(minutes=10)
    assert [(r.text, r.at) for r in activity.replies] == [
        ("Oi! Sou a Júlia, do atendimento.", START + timedelta(minutes=10))
    ]
    assert activity.closed_at is None
    await store.append("ATD-99999", "nothing happens")
    assert await store.activity("ATD-99999") is None


async def test_idle_follows_last_activity(store: RedisTicketStore, clock: Clock) -> None:
    quiet = await store.open(
        department="trocas", reason="exchange_return", sender_id=ANA, order_number=None
    )
    busy = await store.open(
        department="trocas", reason="exchange_return", sender_id=BRUNO, order_number=None
    )
    clock.advance(hours=3)
    await store.append(busy.id, "e aí?")
    clock.advance(hours=1)
    assert [t.id for t in await store.idle(timedelta(hours=2))] == [quiet.id]
    assert await store.touch(quiet.id)
    assert await store.idle(timedelta(hours=2)) == []
    clock.advance(hours=3)
    assert {t.id for t in await store.idle(timedelta(hours=2))} == {quiet.id, busy.id}


async def test_close_is_final_and_expires(
    store: RedisTicketStore, redis_client: Redis, prefix: str, clock: Clock
) -> None:
    ticket = await store.open(
        department="financeiro", reason="refund", sender_id=ANA, order_number="7"
    )
    await store.append(ticket.id, "quero meu dinheiro")
    clock.advance(hours=1)
    await store.close(ticket.id)
    clock.advance(hours=1)
    await store.close(ticket.id)
    closed = await store.get(ticket.id)
    assert closed is not None and closed.closed
    activity = await store.activity(ticket.id)
    assert activity is not None and activity.closed_at == START + timedelta(hours=1)
    assert not await store.record_reply(ticket.id, "tarde demais")
    await store.append(ticket.id, "oi?")
    after = await store.get(ticket.id)
    assert after is not None and after.messages == ["quero meu dinheiro"]
    assert await store.list_open() == [] and await store.idle(timedelta(0)) == []
    ttl = await redis_client.ttl(f"{prefix}:{{tickets}}:t:{ticket.id}")
    assert 29 * 24 * 3600 < ttl <= 30 * 24 * 3600
    await store.close("ATD-99999")


async def test_for_sender_and_forget_sender(
    store: RedisTicketStore, redis_client: Redis, prefix: str
) -> None:
    old = await store.open(
        department="financeiro", reason="refund", sender_id=ANA, order_number="1"
    )
    await store.close(old.id)
    new = await store.open(
        department="logistica", reason="delivery_problem", sender_id=ANA, order_number="2"
    )
    other = await store.open(
        department="logistica", reason="delivery_problem", sender_id=BRUNO, order_number="3"
    )
    await store.append(new.id, "meu CPF é 123.456.789-09")
    assert [t.id for t in await store.for_sender(ANA)] == [old.id, new.id]
    assert await store.forget_sender(ANA) == 2
    assert await store.for_sender(ANA) == []
    assert [t.id for t in await store.list_open("logistica")] == [other.id]
    keys = [k.decode() async for k in redis_client.scan_iter(match=store.pattern)]
    assert keys and all(old.id not in k and new.id not in k for k in keys)
    assert all(k.startswith(prefix) for k in keys)
