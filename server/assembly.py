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
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from agent.graph import build_graph
from composition.settings import Settings
from composition.stores import StoreConfig, load_stores
from composition.voice_notes import open_voice_notes
from composition.whatsapp import build_whatsapp
from composition.wiring import build_nuvemshop, build_saver, open_context, protection
from integrations.nuvemshop.cache import CachedNuvemshopClient
from integrations.nuvemshop.client import NuvemshopClient
from integrations.redis.client import RedisClient
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
from server.stores import Stores
from server.streams import ShardedQueue, StreamQueue
from server.supervision import supervise
from server.worker import TurnParts, TurnWorker

logger = logging.getLogger(__name__)


async def share_log_key(client: RedisClient, prefix: str) -> None:
    """One random key for log references, created by the first process and read by the rest."""
    key = f"{prefix}:log-key"
    await client.set(key, secrets.token_hex(32), nx=True)
    stored: Any = await client.get(key)
    set_log_key(bytes.fromhex(stored.decode() if isinstance(stored, bytes) else str(stored)))


@dataclass(frozen=True, slots=True)
class Queues:
    """The three streams and their consumer groups."""

    store_events: StreamQueue
    inbound: ShardedQueue
    outbox: ShardedQueue


async def open_queues(
    client: RedisClient, settings: Settings, inbound: InboundIntake, outbox: Outbox
) -> Queues:
    """The streams with their groups created; dead letters kept as long as conversations."""
    kept = settings.conversation_ttl_days * 24 * 3600
    queues = Queues(
        store_events=StreamQueue(
            client, f"{settings.redis_prefix}:{{store-events}}", dead_letter_seconds=kept
        ),
        inbound=ShardedQueue(
            [
                StreamQueue(
                    client,
                    stream,
                    claim_idle_ms=int(settings.claim_idle_seconds * 1000),
                    dead_letter_seconds=kept,
                )
                for stream in inbound.streams
            ]
        ),
        outbox=ShardedQueue(
            [
                StreamQueue(
                    client,
                    stream,
                    group="sender",
                    claim_idle_ms=int(settings.outbox_claim_idle_seconds * 1000),
                    dead_letter_seconds=kept,
                )
                for stream in outbox.streams
            ]
        ),
    )
    for queue in (queues.store_events, queues.inbound, queues.outbox):
        await queue.ensure_group()
    return queues


def cache_forgetter(
    nuvemshop: NuvemshopClient,
) -> Callable[[dict[str, Any]], Awaitable[None]]:
    """What `customers/redact` calls to drop the customer's cached orders (if cached)."""
    cache = nuvemshop.cache if isinstance(nuvemshop, CachedNuvemshopClient) else None

    async def forget_cached(customer: dict[str, Any]) -> None:
        if cache is not None:
            await cache.forget_customer(
                nuvemshop.store_id,
                email=customer.get("email"),
                phone=customer.get("phone"),
                cpf=customer.get("identification"),
            )

    return forget_cached


def start_loops(services: Services) -> None:
    """Run the turn worker, the sender, the store-event handler and the idle sweep.

    Each is supervised: restarted with backoff, and reported by `/readyz` while down.
    """
    settings = services.settings
    consumer = f"{socket.gethostname()}-{os.getpid()}-{id(services)}"
    turns = TurnWorker(TurnParts.of(services), debounce_seconds=settings.debounce_seconds)
    sender = OutboxSender(
        services.redis, settings.redis_prefix, services.whatsapp.client, services.outbox
    )
    stop = services.stop
    loops: dict[str, Callable[[], Awaitable[None]]] = {
        "store-events": lambda: services.store_events.run(consumer, services.handler, stop),
        "turns": lambda: services.inbound_queue.run(consumer, turns.handle, stop),
        "sender": lambda: services.outbox_queue.run(consumer, sender.handle, stop),
        "idle-release": lambda: run_idle_release(
            TurnParts.of(services),
            services.handoff.store,
            idle_for=timedelta(hours=settings.handoff_idle_hours),
            every=timedelta(seconds=settings.handoff_idle_sweep_seconds),
            stop=stop,
        ),
    }
    services.tasks += [
        asyncio.create_task(supervise(name, start, stop, services.loops), name=name)
        for name, start in loops.items()
    ]


@asynccontextmanager
async def open_deployment_redis(settings: Settings) -> AsyncIterator[RedisClient]:
    """The deployment's one Redis connection, with the log-reference key every process shares."""
    async with open_redis(
        settings.redis_address, data_dir=settings.data_dir / "redis", cluster=settings.redis_cluster
    ) as client:
        await share_log_key(client, settings.redis_prefix)
        yield client


@asynccontextmanager
async def open_services(
    settings: Settings,
    *,
    run_workers: bool = True,
    redis: RedisClient | None = None,
    slug: str = "",
) -> AsyncIterator[Services]:
    """Open one store's service: its store client, graph context and queues; run its workers.

    `redis` is the deployment's connection when it serves many stores (one store opens its
    own); `slug` names the store among them, for what it keeps on disk.

    Long because it is the list of what the service holds, one statement per part, in the
    order they depend on each other.
    """
    prefix = settings.redis_prefix
    async with AsyncExitStack() as stack:
        if redis is None:
            client = await stack.enter_async_context(open_deployment_redis(settings))
        else:
            client = redis
        exports_dir = settings.data_dir / "exports"
        if slug:  # a store's data-request exports apart from the others'
            exports_dir = exports_dir / slug
        nuvemshop = await stack.enter_async_context(build_nuvemshop(settings, client))
        sealing = protection(settings)
        outbox = Outbox(client, prefix, sealing, shards=settings.shard_count)
        handoff = build_handoff(settings, client, outbox)
        stack.push_async_callback(handoff.notifier.aclose)
        stack.push_async_callback(handoff.notifying.drain)
        context = await stack.enter_async_context(
            open_context(settings, redis=client, nuvemshop=nuvemshop, tickets=handoff.notifying)
        )
        saver = build_saver(client, settings)
        window = ServiceWindow(client, prefix, sealing)
        inbound = InboundIntake(client, prefix, sealing, shards=settings.shard_count)
        queues = await open_queues(client, settings, inbound, outbox)
        whatsapp = build_whatsapp(settings, client)
        await stack.enter_async_context(whatsapp.client)
        voice = await stack.enter_async_context(open_voice_notes(settings, whatsapp))
        privacy = PrivacyService(
            client,
            saver,
            outbox,
            prefix=prefix,
            exports_dir=exports_dir,
            forget_cached=cache_forgetter(nuvemshop),
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
            store_events=queues.store_events,
            intake=StoreEventIntake(client, queues.store_events, prefix, sealing),
            inbound=inbound,
            inbound_queue=queues.inbound,
            whatsapp=whatsapp,
            voice=voice,
            outbox_queue=queues.outbox,
            handoff=handoff,
            flood=FloodGuard(prefix, limit=settings.flood_limit_per_minute, protection=sealing),
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
            start_loops(services)
        try:
            yield services
        finally:
            services.stop.set()
            for task in services.tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


@asynccontextmanager
async def open_stores(
    settings: Settings, configs: list[StoreConfig] | None = None, *, run_workers: bool = True
) -> AsyncIterator[Stores]:
    """Open every store of the deployment on one Redis connection (one store by default)."""
    configs = configs if configs is not None else load_stores(settings)
    async with AsyncExitStack() as stack:
        client = await stack.enter_async_context(open_deployment_redis(settings))
        opened = {}
        for config in configs:
            opened[config.slug] = await stack.enter_async_context(
                open_services(
                    config.settings, run_workers=run_workers, redis=client, slug=config.slug
                )
            )
        yield Stores(opened)
