"""Turn workers SIGKILLed mid-turn, twenty times: every message is still answered exactly once.

Real processes, really killed: a fork server (`tests/reliability/forkserver.py`) keeps two
turn workers on the inbound stream while the test feeds it messages from many customers
through `InboundIntake.store`, and every 100-300 ms kills a worker that holds unacknowledged
entries, then starts a new one. The reply sender runs in the test process, never killed, so
what reaches the fake Graph API is what the turns queued.

A killed worker leaves its entries pending and its customer's lock held; the production
values of both timeouts are 60 s and no setting changes them yet, so the fork server lowers
them (reclaim after 2.5 s, lock for 1.5 s, keeping the production order: a reclaimed entry
finds the dead worker's lock expired).

Why not cancel asyncio tasks instead: a cancelled handler still runs its `finally` blocks
and `async with` exits (the lock is released, nothing is left half done), which is not what
a crash does. Why not spawn `atendente worker` itself: each start imports the app anew
(~1.5 s of CPU), too slow for twenty restarts; the fork server pays that once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from redis.asyncio import Redis

from agent.turn import thread_config
from server.assembly import open_services
from server.sender import OutboxSender
from server.services import Services
from server.streams import Fields
from tests.reliability.forkserver import ForkServer, consumer_name
from tests.reliability.support import (
    ONE_LINE_TEXTS,
    acknowledged,
    answer_counts,
    customers,
    dead_letters,
    delivered,
    drained,
    inbound,
    inbound_streams,
    now_ms,
    pending_by_consumer,
    reply_ledger,
    wait_until,
)
from tests.server.conftest import service_settings

pytestmark = pytest.mark.slow

KILLS = 20
WORKERS = 2
CLAIM_IDLE_MS = 2500
LOCK_SECONDS = 1.5


class Feed:
    """Messages from many customers, at a steady pace, through the webhook's intake."""

    def __init__(self, services: Services, rng: random.Random, people: list[str]) -> None:
        self.services = services
        self.rng = rng
        self.people = people
        self.sent: dict[str, list[str]] = defaultdict(list)

    async def one(self) -> None:
        wa_id = self.rng.choice(self.people)
        message = inbound(wa_id, self.rng.choice(ONE_LINE_TEXTS), tag="crash")
        assert await self.services.inbound.store(message, now_ms())
        self.sent[wa_id].append(message.message_id)

    async def run(self, every: float, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.one()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)

    @property
    def message_ids(self) -> list[str]:
        return [m for ids in self.sent.values() for m in ids]


async def busy_victim(
    redis: Redis, streams: list[str], live: list[int], *, within: float
) -> int | None:
    """A live worker holding unacknowledged entries (mid-turn), if one shows up in time."""
    deadline = asyncio.get_running_loop().time() + within
    while asyncio.get_running_loop().time() < deadline:
        pending = await pending_by_consumer(redis, streams)
        busy = [pid for pid in live if pending.get(consumer_name(pid), 0) > 0]
        if busy:
            return busy[0]
        await asyncio.sleep(0.002)
    return None


async def test_sigkilled_turn_workers_answer_every_message_exactly_once(
    redis_url: str, prefix: str, tmp_path: Path, redis_client: Redis
) -> None:
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "ATENDENTE_REDIS_PREFIX": prefix,
        "ATENDENTE_DATA_DIR": str(tmp_path),
        "ATENDENTE_DEBOUNCE_SECONDS": "0",
        "ATENDENTE_HISTORY_TURNS": "50",
    }
    settings = service_settings(redis_url, prefix, tmp_path, debounce_seconds=0, history_turns=50)
    log = tmp_path / "workers.log"
    parts: dict[str, tuple[str, int]] = {}
    async with open_services(settings, run_workers=False) as services:
        sender = OutboxSender(services.redis, prefix, services.whatsapp.client)

        async def send(fields: Fields) -> None:
            parts[fields["key"]] = (fields["recipient"], len(json.loads(fields["messages"])))
            await sender.handle(fields)

        services.outbox_queue.claim_idle_ms = CLAIM_IDLE_MS
        sending = asyncio.create_task(services.outbox_queue.run("test-sender", send, services.stop))
        forks = await ForkServer.start(
            env, stderr=log, claim_idle_ms=CLAIM_IDLE_MS, lock_seconds=LOCK_SECONDS
        )
        feed = Feed(services, rng, customers(40, start=1000))
        feeding: asyncio.Task[None] | None = None
        enough = asyncio.Event()
        mid_turn = 0
        try:
            live = [await forks.spawn() for _ in range(WORKERS)]
            feeding = asyncio.create_task(feed.run(every=0.025, stop=enough))
            streams = inbound_streams(prefix)
            for _ in range(KILLS):
                await asyncio.sleep(rng.uniform(0.1, 0.3))
                victim = await busy_victim(redis_client, streams, live, within=0.5)
                if victim is not None:
                    mid_turn += 1
                else:
                    victim = rng.choice(live)
                forks.kill(victim)
                live.remove(victim)
                live.append(await forks.spawn())
            enough.set()
            await feeding
            done = await wait_until(
                lambda: acknowledged(redis_client, prefix), timeout=30, every=0.1
            )
        finally:
            if feeding is not None:
                feeding.cancel()
            await forks.close()
            services.stop.set()
            await sending

        worker_log = log.read_text(errors="replace")[-3000:]
        context = f"seed={seed}, kills mid-turn={mid_turn}/{KILLS}\n{worker_log}"
        assert done, f"messages left unanswered; {context}"
        assert mid_turn >= KILLS // 2, context
        assert await dead_letters(redis_client, prefix) == 0, context

        ledger = await reply_ledger(redis_client, prefix)
        counts = answer_counts(ledger)
        assert len(feed.message_ids) > 100
        twice = sorted(ids for ids in ledger if any(counts[m] > 1 for m in ids))
        assert not twice, f"messages answered by more than one reply: {twice}; {context}"
        assert [m for m in feed.message_ids if counts[m] == 0] == [], context
        assert set(counts) == set(feed.message_ids)

        replies_to: Counter[str] = Counter()
        for key, (recipient, count) in parts.items():
            if key.startswith("reply:"):
                replies_to[recipient] += count
        fake = services.whatsapp.fake
        assert fake is not None
        for wa_id, message_ids in feed.sent.items():
            turns = [ids for ids in ledger if ids[0] in message_ids]
            assert len(fake.messages(wa_id)) == replies_to[wa_id] == len(turns), context
            assert len(await delivered(redis_client, prefix, wa_id)) == len(turns), context
            state = await services.graph.aget_state(thread_config(wa_id))
            humans = [m for m in state.values["messages"] if m.type == "human"]
            assert len(humans) == len(turns), f"a turn ran twice for {wa_id}; {context}"
        assert await drained(redis_client, prefix), (
            f"acknowledged entries left in a stream (killed between XACK and XDEL); {context}"
        )
