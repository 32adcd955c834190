"""The idle sweep: quiet handoffs go back to the bot, active ones and busy threads stay."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from agent.state import Inbound
from agent.turn import TurnResult, run_turn
from server import idle_release
from server.idle_release import (
    release_idle_threads,
    release_ticket,
    run_idle_release,
    turn_lock_key,
)
from server.worker import TurnParts
from tests.server.conftest import Service
from tests.support import OFFICE_HOURS
from tools.ticket_store import RedisTicketStore

ANA = "5511987654321"
BRUNO = "5521998765432"


class Clock:
    def __init__(self) -> None:
        self.now = OFFICE_HOURS

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def tickets(service: Service, prefix: str, clock: Clock) -> RedisTicketStore:
    store = RedisTicketStore(service.services.redis, prefix, clock=clock)
    service.services.context = replace(
        service.services.context, tickets=store, clock=lambda: OFFICE_HOURS
    )
    return store


async def say(service: Service, text: str, wa_id: str) -> TurnResult:
    inbound = Inbound(sender_id=wa_id, phone=f"+{wa_id}", text=text)
    return await run_turn(service.services.graph, service.services.context, inbound)


async def hand_off(service: Service, wa_id: str) -> str:
    result = await say(service, "quero falar com um atendente", wa_id)
    assert result.handoff is not None
    return result.handoff["ticket"]


async def test_quiet_tickets_are_released_and_active_ones_stay(
    service: Service, tickets: RedisTicketStore, clock: Clock
) -> None:
    quiet = await hand_off(service, ANA)
    active = await hand_off(service, BRUNO)
    clock.now += timedelta(hours=5)
    await say(service, "ainda estou esperando", BRUNO)
    clock.now += timedelta(hours=1)
    closed = await release_idle_threads(
        TurnParts.of(service.services), tickets, idle_for=timedelta(hours=4)
    )
    assert closed == [quiet]
    assert [t.id for t in await tickets.list_open()] == [active]
    answer = await say(service, "qual o horário de vocês?", ANA)
    assert answer.messages and answer.handoff is None
    # Bruno wrote an hour ago, so this message is not the first after a silence.
    assert (await say(service, "oi?", BRUNO)).messages == []
    assert (
        await release_idle_threads(
            TurnParts.of(service.services), tickets, idle_for=timedelta(hours=4)
        )
        == []
    )


async def test_a_ticket_the_thread_no_longer_waits_on_is_only_closed(
    service: Service, tickets: RedisTicketStore
) -> None:
    stale = await tickets.open(
        department="financeiro", reason="refund", sender_id=ANA, order_number="1001"
    )
    current = await hand_off(service, ANA)
    found = await tickets.get(stale.id)
    assert found is not None
    assert await release_ticket(TurnParts.of(service.services), tickets, found) == "closed"
    assert "human_mode" in (await say(service, "oi", ANA)).path
    assert [t.id for t in await tickets.list_open()] == [current]


async def test_a_customer_who_writes_while_the_sweep_waits_keeps_the_ticket(
    service: Service, tickets: RedisTicketStore, clock: Clock, prefix: str
) -> None:
    ticket = await hand_off(service, ANA)
    clock.now += timedelta(days=1)
    services = service.services
    lock = services.redis.lock(turn_lock_key(prefix, ANA), timeout=5)
    await lock.acquire()
    try:
        sweep = asyncio.create_task(
            release_idle_threads(TurnParts.of(services), tickets, idle_for=timedelta(hours=1))
        )
        await asyncio.sleep(0.05)
        await tickets.append(ticket, "voltei!")
    finally:
        await lock.release()
    assert await sweep == []
    assert [t.id for t in await tickets.list_open()] == [ticket]


async def test_a_thread_mid_turn_is_left_for_the_next_sweep(
    service: Service,
    tickets: RedisTicketStore,
    clock: Clock,
    prefix: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(idle_release, "RELEASE_WAIT_SECONDS", 0.05)
    ticket = await hand_off(service, ANA)
    clock.now += timedelta(days=1)
    services = service.services
    lock = services.redis.lock(turn_lock_key(prefix, ANA), timeout=5)
    await lock.acquire()
    try:
        assert (
            await release_idle_threads(TurnParts.of(services), tickets, idle_for=timedelta(hours=1))
            == []
        )
    finally:
        await lock.release()
    assert [t.id for t in await tickets.list_open()] == [ticket]
    assert await release_idle_threads(
        TurnParts.of(services), tickets, idle_for=timedelta(hours=1)
    ) == [ticket]


async def test_the_loop_sweeps_until_stopped(
    service: Service, tickets: RedisTicketStore, clock: Clock
) -> None:
    ticket = await hand_off(service, ANA)
    clock.now += timedelta(days=1)
    stop = asyncio.Event()
    loop = asyncio.create_task(
        run_idle_release(
            TurnParts.of(service.services),
            tickets,
            idle_for=timedelta(hours=1),
            every=timedelta(seconds=30),
            stop=stop,
        )
    )
    for _ in range(100):
        if not await tickets.list_open():
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(loop, 1)
    closed = await tickets.get(ticket)
    assert closed is not None and closed.closed
