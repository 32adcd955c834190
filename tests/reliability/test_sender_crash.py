"""Reply senders SIGKILLed after Meta accepted a message: nothing lost, nothing sent twice.

The Graph API has no idempotency key, so a sender killed between Meta's acceptance and its
own "sent" mark cannot know, from its side, whether the message went out. Every message
carries `biz_opaque_callback_data`, which Meta echoes in its status webhooks; the webhook
records it, and the sender that takes the entry over sends only what Meta never took.

Real parts, really killed: Meta is an HTTP server on loopback (`tests.reliability.meta`)
that checks each request as the Cloud API does (`FakeGraphAPI`), posts the signed "sent"
status webhook to the service at once, as Meta does within a second, and then holds its
HTTP answer for a moment; the test SIGKILLs the sender during that moment, ten times, and
a fresh sender process takes the entry over once it has been idle for the (lowered) claim
time.
"""

from __future__ import annotations

import asyncio
import os
import queue
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from server.app import create_app
from server.assembly import open_services
from tests.reliability.forkserver import ROLE, ForkServer
from tests.reliability.meta import APP_SECRET, NUMBER, TOKEN, Meta, whatsapp_env
from tests.reliability.support import customers, dead_letters, outbox_streams, wait_until
from tests.server.conftest import service_settings
from tests.server.serving import serving

pytestmark = pytest.mark.slow

KILLS = 10
MESSAGES = 30
HOLD_SECONDS = 0.5
CLAIM_IDLE_SECONDS = 1.5


async def test_senders_killed_after_meta_accepted_send_each_message_exactly_once(
    redis_url: str, prefix: str, tmp_path: Path, redis_client: Redis
) -> None:
    whatsapp_settings: dict[str, Any] = {
        "whatsapp_access_token": TOKEN,
        "whatsapp_phone_number_id": NUMBER,
        "whatsapp_app_secret": APP_SECRET,
    }
    settings = service_settings(redis_url, prefix, tmp_path, **whatsapp_settings)
    webhooks = create_app(settings, run_workers=False)
    with serving(webhooks, lifespan="on") as service_url:
        meta = Meta(service_url, hold_seconds=HOLD_SECONDS)
        with serving(meta.app) as meta_url:
            env = {
                **os.environ,
                "REDIS_URL": redis_url,
                "ATENDENTE_REDIS_PREFIX": prefix,
                "ATENDENTE_DATA_DIR": str(tmp_path),
                **whatsapp_env(meta_url),
                "ATENDENTE_OUTBOX_CLAIM_IDLE_SECONDS": str(CLAIM_IDLE_SECONDS),
                ROLE: "sender",
            }
            people = customers(MESSAGES, start=3000)
            async with open_services(settings, run_workers=False) as services:
                for n, wa_id in enumerate(people):
                    text = f"Seu pedido *{1000 + n}* saiu para entrega."
                    await services.outbox.push(
                        wa_id, [{"type": "text", "text": text}], key=f"notice:{n}", source="test"
                    )
            log = tmp_path / "senders.log"
            forks = await ForkServer.start(
                env, stderr=log, claim_idle_ms=int(CLAIM_IDLE_SECONDS * 1000), lock_seconds=1.5
            )
            aimed = 0
            try:
                sender = await forks.spawn()
                for _ in range(KILLS):
                    try:
                        await asyncio.to_thread(meta.holding.get, timeout=20)
                    except queue.Empty:
                        break
                    forks.kill(sender)  # Meta took the message; the sender has not marked it
                    aimed += 1
                    sender = await forks.spawn()
                streams = outbox_streams(prefix)
                done = await wait_until(
                    lambda: _emptied(redis_client, streams), timeout=60, every=0.1
                )
            finally:
                await forks.close()
            context = f"aimed kills={aimed}\n{log.read_text(errors='replace')[-3000:]}"

    assert aimed == KILLS, context
    assert done, f"messages left in the outbox; {context}"
    times_sent = Counter(reference for _, reference in meta.accepted)
    assert [ref for ref, count in times_sent.items() if count > 1] == [], context
    assert sorted({recipient for recipient, _ in meta.accepted}) == sorted(people), context
    assert await dead_letters(redis_client, prefix) == 0, context


async def _emptied(redis: Redis, streams: list[str]) -> bool:
    return sum([int(await redis.xlen(stream)) for stream in streams]) == 0
