"""The deployment recipe under load: one `serve` and one worker SIGKILLed, and every message
is still answered exactly once, through nginx.

The topology is `deploy/`'s on loopback (`tests.reliability.topology`): Debian's nginx
running `deploy/nginx.conf` in front of two `atendente serve` processes, two `atendente
worker` processes, one Redis. Meta is an HTTP server on loopback (`tests.reliability.meta`):
the processes send their replies to it, and it posts each message's status webhook back
through nginx, as Meta does. Customers write through nginx as Meta delivers: each webhook
signed, POSTed again until it is answered 200, and some delivered twice (at once or a
moment later), as Meta does at least once.

While the messages flow, one serve and then one worker are SIGKILLed, each as soon as it
holds entries it took and has not finished. nginx must fail the webhooks over to the live
serve; the entries and locks the dead processes held are taken over once idle (the claim
times are lowered from the production 200 s and 60 s, keeping their order). Counted at the
end: each message in exactly one reply's once-only key, and each of those replies accepted
by Meta exactly once.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import random
from collections import Counter
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from server.sender import callback_data
from server.worker import reply_key
from tests.reliability.meta import APP_SECRET, Meta, deliver, whatsapp_env
from tests.reliability.support import (
    ONE_LINE_TEXTS,
    acknowledged,
    answer_counts,
    customers,
    dead_letters,
    reply_ledger,
    wait_until,
)
from tests.reliability.topology import NGINX, Topology, kill_mid_work, topology
from tests.server import whatsapp
from tests.server.serving import serving

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not NGINX.exists(), reason="nginx is not installed (`make nginx` installs it as root)"
    ),
]

CUSTOMERS = 40
MESSAGES_EACH = 4
GAP_SECONDS = 2.5
"""Between one customer's messages: replies to one customer are paced a second apart or more."""
REDELIVERED = 0.2
"""The share of messages Meta delivers twice."""
SPAN_SECONDS = MESSAGES_EACH * GAP_SECONDS
CLAIMS = {
    "ATENDENTE_CLAIM_IDLE_SECONDS": "8",
    "ATENDENTE_TURN_LOCK_SECONDS": "6",
    "ATENDENTE_OUTBOX_CLAIM_IDLE_SECONDS": "8",
}
SETTLE_SECONDS = 90.0
"""A bound so a failure cannot hang the run; settling takes about the claim time."""

logger = logging.getLogger(__name__)
_ids = itertools.count(1)


class Customers:
    """Customers writing through nginx, as Meta delivers their messages."""

    def __init__(self, http: httpx.AsyncClient, rng: random.Random) -> None:
        self.http = http
        self.rng = rng
        self.message_ids: list[str] = []
        self.deliveries = 0
        self.failures: Counter[str] = Counter()
        """What nginx answered a delivery instead of 200 (each one delivered again)."""

    async def deliver(self, body: bytes, headers: dict[str, str]) -> None:
        self.deliveries += 1
        self.failures.update(await deliver(self.http, "/webhooks/whatsapp", body, headers))

    async def redeliver(self, body: bytes, headers: dict[str, str]) -> None:
        await asyncio.sleep(self.rng.uniform(0, 1.5))
        await self.deliver(body, headers)

    async def write(self, wa_id: str) -> None:
        await asyncio.sleep(self.rng.uniform(0, GAP_SECONDS))
        again: list[asyncio.Task[None]] = []
        for _ in range(MESSAGES_EACH):
            message_id = f"wamid.deploy{next(_ids):06d}"
            self.message_ids.append(message_id)
            text = self.rng.choice(ONE_LINE_TEXTS)
            body, headers = whatsapp.signed(
                whatsapp.message(wa_id, text, wamid=message_id), APP_SECRET
            )
            if self.rng.random() < REDELIVERED:
                again.append(asyncio.create_task(self.redeliver(body, headers)))
            await self.deliver(body, headers)
            await asyncio.sleep(GAP_SECONDS)
        await asyncio.gather(*again)


async def run_load(
    running: Topology, redis: Redis, prefix: str, writers: Customers
) -> tuple[bool, bool]:
    """Every customer's messages, with a serve and then a worker killed mid-work meanwhile;
    whether each held unfinished entries when it was killed."""
    writing = asyncio.gather(*(writers.write(wa_id) for wa_id in customers(CUSTOMERS, start=5000)))
    try:
        await asyncio.sleep(SPAN_SECONDS * 0.3)
        serve_held = await kill_mid_work(redis, prefix, running.serves[0], within=1.0)
        await asyncio.sleep(SPAN_SECONDS * 0.3)
        worker_held = await kill_mid_work(redis, prefix, running.workers[0], within=1.0)
        await writing
    finally:
        writing.cancel()
    return serve_held, worker_held


async def test_a_killed_serve_and_worker_behind_nginx_lose_and_repeat_nothing(
    redis_url: str, prefix: str, tmp_path: Path, redis_client: Redis
) -> None:
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    meta = Meta("")
    with serving(meta.app) as meta_url:
        async with topology(
            redis_url, prefix, tmp_path, {**whatsapp_env(meta_url), **CLAIMS}
        ) as running:
            meta.webhook_url = running.url
            async with httpx.AsyncClient(base_url=running.url, timeout=30) as http:
                writers = Customers(http, rng)
                serve_held, worker_held = await run_load(running, redis_client, prefix, writers)

            async def settled() -> bool:
                counts = answer_counts(await reply_ledger(redis_client, prefix))
                return all(counts[m] for m in writers.message_ids) and await acknowledged(
                    redis_client, prefix
                )

            done = await wait_until(settled, timeout=SETTLE_SECONDS, every=0.2)
            for survivor in (running.serves[1], running.workers[1]):
                survivor.check()
            nginx_errors = running.nginx_errors()
            logs = "\n".join(child.log_tail() for child in (*running.serves, *running.workers))

    ledger = await reply_ledger(redis_client, prefix)
    counts = answer_counts(ledger)
    sent = writers.message_ids
    lost = [m for m in sent if counts[m] == 0]
    twice = [m for m in sent if counts[m] > 1]
    times_accepted = Counter(reference for _, reference in meta.accepted)
    expected = {callback_data(reply_key(ids), "0.0") for ids in ledger}
    summary = (
        f"seed={seed}: {len(sent)} messages in {writers.deliveries} deliveries "
        f"(refused meanwhile: {dict(writers.failures)}), {len(ledger)} replies, "
        f"{len(meta.accepted)} accepted by Meta, lost {len(lost)}, answered twice {len(twice)}, "
        f"sent twice {sum(n > 1 for n in times_accepted.values())}; killed mid-work: "
        f"serve {serve_held}, worker {worker_held}"
    )
    logger.info(summary)
    context = f"{summary}\n{logs}"
    assert done, f"messages left unanswered; {context}"
    assert len(set(sent)) == CUSTOMERS * MESSAGES_EACH
    assert lost == [], context
    assert twice == [], context
    assert [ref for ref, n in times_accepted.items() if n > 1] == [], context
    assert set(times_accepted) == expected, context
    assert await dead_letters(redis_client, prefix) == 0, context
    dead_serve = f"127.0.0.1:{running.serve_ports[0]}"
    assert dead_serve in nginx_errors, f"nginx never met the killed serve; {context}"
    assert not writers.failures, f"nginx did not fail a webhook over; {context}"
