"""Everything the web service holds open for its lifetime, as one set of collaborators."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from agent.context import Context
from agent.graph import AgentGraph
from composition.settings import Settings
from composition.whatsapp import WhatsAppWiring
from integrations.nuvemshop.client import NuvemshopClient
from integrations.redis.client import RedisClient
from integrations.redis.protection import Protection
from integrations.redis.saver import RedisSaver
from integrations.whatsapp.window import ServiceWindow
from server.flood import FloodGuard
from server.handoff_wiring import HandoffWiring
from server.inbound import InboundIntake
from server.outbox import Outbox
from server.store_events import StoreEventHandler, StoreEventIntake
from server.streams import ShardedQueue, StreamQueue
from server.supervision import LoopHealth
from tools.voice_notes import VoiceNotes


@dataclass
class Services:
    """The service's long-lived clients, stores and queues."""

    settings: Settings
    redis: RedisClient
    saver: RedisSaver
    graph: AgentGraph
    context: Context
    nuvemshop: NuvemshopClient
    outbox: Outbox
    window: ServiceWindow
    store_events: StreamQueue
    intake: StoreEventIntake
    handler: StoreEventHandler
    inbound: InboundIntake
    inbound_queue: ShardedQueue
    whatsapp: WhatsAppWiring
    outbox_queue: ShardedQueue
    handoff: HandoffWiring
    flood: FloodGuard
    protection: Protection
    """Key names and sealed values for personal data (`ATENDENTE_ENCRYPTION_KEY`)."""
    voice: VoiceNotes | None = None
    """Hears voice notes before the turn, where a model is configured."""
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    loops: LoopHealth = field(default_factory=LoopHealth)
    """The background loops' health, which `/readyz` reports."""
    stop: asyncio.Event = field(default_factory=asyncio.Event)
