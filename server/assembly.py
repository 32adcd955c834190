"""Opening the service: its clients, stores and queues built from settings, its loops run.

Kept apart from `server.services` (the set of collaborators), which the loops themselves
import: the loops are started here, so nothing they import imports them back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from typing import Any

from redis.asyncio import Redis

from agent.graph import build_graph
from agent.settings import Settings
from composition.whatsapp import build_whatsapp
from composition.wiring import build_nuvemshop, build_saver, open_context, protection
from integrations.nuvemshop.cache import CachedNuvemshopClient
from integrations.redis.connection import open_redis
from integrations.redis.layout import set_log_key
from integrations.whatsapp.window import ServiceWindow
from server.flood import FloodGuard
from server.handoff_wiring import build_handoff
from server.idle_release import run_idle_release
from server.inbound import InboundIntake
from server.outbox import Outbox
from server.privacy import PrivacyService
from server.sender import OutboxSender
from server.services import Services
from server.store_events import StoreEventHandler, StoreEventIntake
from server.streams import StreamQueue
from server.supervision import supervise
from server.worker import TurnWorker

logger = logging.getLogger(__name__)


async def share_log_key(client: Redis, prefix: str) -> None:
    """One random key for log references, created by the first process and read by the rest."""
    key = f"{prefix}:log-key"
    await client.set(key, secrets.token_hex(32), nx=True)
    stored: Any = await client.get(key)
    set_log_key(bytes.fromhex(stored.decode() if isinstance(stored, bytes) else str(stored)))


@asynccontextmanager
async def open_services(settings: Settings, *, run_workers: bool = True) -> AsyncIterator[Services]:
    """Open Redis, the store client and the graph context; run the in-process workers."""
    url = settings.redis_address
    prefix = settings.redis_prefix
    async with AsyncExitStack() as stack:
        client = await stack.enter_async_context(
            open_redis(url, data_dir=settings.data_dir / "redis")
        )
        await share_log_key(client, prefix)
        nuvemshop = await stack.enter_async_context(build_nuvemshop(settings, client))
        sealing = protection(settings)
        outbox = Outbox(client, prefix, sealing)
        handoff = build_handoff(settings, client, outbox)
        stack.push_async_callback(handoff.notifier.aclose)
        stack.push_async_callback(handoff.notifying.drain)
        context = await stack.enter_async_context(
            open_context(settings, redis=client, nuvemshop=nuvemshop, tickets=handoff.notifying)
        )
        saver = build_saver(client, settings)
        window = ServiceWindow(client, prefix, sealing)
        kept = settings.conversation_ttl_days * 24 * 3600
        queue = StreamQueue(client, f"{prefix}:{{store-events}}", dead_letter_seconds=kept)
        await queue.ensure_group()
        inbound = InboundIntake(client, prefix, sealing)
        flood = FloodGuard(prefix, limit=settings.flood_limit_per_minute, protection=sealing)
        inbound_queue = StreamQueue(
            client,
            inbound.stream,
            claim_idle_ms=int(settings.claim_idle_seconds * 1000),
            dead_letter_seconds=kept,
        )
        await inbound_queue.ensure_group()
        whatsapp = build_whatsapp(settings, client)
        await stack.enter_async_context(whatsapp.client)
        outbox_queue = StreamQueue(
            client,
            outbox.stream,
            group="sender",
            claim_idle_ms=int(settings.outbox_claim_idle_seconds * 1000),
            dead_letter_seconds=kept,
        )
        await outbox_queue.ensure_group()
        cache = nuvemshop.cache if isinstance(nuvemshop, CachedNuvemshopClient) else None

        async def forget_cached(customer: dict[str, Any]) -> None:
            if cache is not None:
                await cache.forget_customer(
                    nuvemshop.store_id,
                    email=customer.get("email"),
                    phone=customer.get("phone"),
                    cpf=customer.get("identification"),
                )

        privacy = PrivacyService(
            client,
            saver,
            outbox,
            prefix=prefix,
            exports_dir=settings.data_dir / "exports",
            forget_cached=forget_cached,
            tickets=handoff.store,
            intake=inbound,
            protection=sealing,
        )
        services = Services(
            settings=settings,
            redis=client,
            saver=saver,
            graph=build_graph(saver),
            context=context,
            nuvemshop=nuvemshop,
            outbox=outbox,
            window=window,
            store_events=queue,
            intake=StoreEventIntake(client, queue, prefix, sealing),
            inbound=inbound,
            inbound_queue=inbound_queue,
            whatsapp=whatsapp,
            outbox_queue=outbox_queue,
            handoff=handoff,
            flood=flood,
            protection=sealing,
            handler=StoreEventHandler(
                nuvemshop,
                outbox,
                window,
                privacy,
                settings.automations,
                settings.automation_templates,
                tracking=context.tracking,
                protection=sealing,
            ),
        )
        if run_workers:
            consumer = f"{socket.gethostname()}-{os.getpid()}-{id(services)}"
            turns = TurnWorker(services, debounce_seconds=settings.debounce_seconds)
            sender = OutboxSender(client, prefix, whatsapp.client, outbox)
            loops: dict[str, Callable[[], Awaitable[None]]] = {
                "store-events": lambda: queue.run(consumer, services.handler, services.stop),
                "turns": lambda: inbound_queue.run(consumer, turns.handle, services.stop),
                "sender": lambda: outbox_queue.run(consumer, sender.handle, services.stop),
                "idle-release": lambda: run_idle_release(
                    services,
                    handoff.store,
                    idle_for=timedelta(hours=settings.handoff_idle_hours),
                    every=timedelta(seconds=settings.handoff_idle_sweep_seconds),
                    stop=services.stop,
                ),
            }
            services.tasks += [
                asyncio.create_task(
                    supervise(name, start, services.stop, services.loops), name=name
                )
                for name, start in loops.items()
            ]
        try:
            yield services
        finally:
            services.stop.set()
            for task in services.tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
