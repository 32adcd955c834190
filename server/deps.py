"""FastAPI dependencies: each route names the parts of the service it uses, and no more.

The dependencies are coroutines on purpose: FastAPI runs a plain function dependency in
its thread pool, which costs every request a thread hand-off for one attribute read.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from agent.graph import AgentGraph
from agent.store_voice.templates import ReplyTemplates
from composition.settings import Settings
from integrations.redis.client import RedisClient
from integrations.whatsapp.window import ServiceWindow
from server.flood import FloodGuard
from server.inbound import InboundIntake
from server.outbox import Outbox
from server.services import Services
from server.store_events import StoreEventIntake
from server.stores import Stores
from server.supervision import LoopHealth
from server.ticket_actions import Desk
from server.worker import TurnParts


async def get_services(request: Request) -> Services:
    """The store's services, opened by the app's lifespan (a store's own app, of many)."""
    services: Services | None = getattr(request.app.state, "services", None)
    if services is None:  # the root of a many-store deployment: no store is implied
        raise HTTPException(status.HTTP_404_NOT_FOUND, "name the store: /stores/<slug>/...")
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
"""The whole set, for the few places that report on all of it."""


async def get_deployment(request: Request) -> dict[str, Services]:
    """Every store the process serves, by slug (the empty slug: the only store)."""
    stores: Stores | None = getattr(request.app.state, "stores", None)
    if stores is not None:
        return stores.by_slug
    return {"": await get_services(request)}


DeploymentDep = Annotated[dict[str, Services], Depends(get_deployment)]
"""Every store, for what reports on the whole process (`/readyz`, `/metrics`)."""


async def get_stores(request: Request) -> Stores:
    """The stores of a many-store deployment, opened by the app's lifespan."""
    stores: Stores = request.app.state.stores
    return stores


StoresDep = Annotated[Stores, Depends(get_stores)]
"""The stores, for the root routes that hand each webhook to its store."""


async def get_settings(services: ServicesDep) -> Settings:
    """The settings the service was opened with."""
    return services.settings


async def get_redis(services: ServicesDep) -> RedisClient:
    """The service's Redis client."""
    return services.redis


async def get_outbox(services: ServicesDep) -> Outbox:
    """The queue of messages for the WhatsApp sender."""
    return services.outbox


async def get_window(services: ServicesDep) -> ServiceWindow:
    """Each customer's 24 h service window."""
    return services.window


async def get_inbound(services: ServicesDep) -> InboundIntake:
    """Where inbound WhatsApp messages are admitted and stored."""
    return services.inbound


async def get_flood(services: ServicesDep) -> FloodGuard:
    """The per-sender message limit."""
    return services.flood


async def get_store_intake(services: ServicesDep) -> StoreEventIntake:
    """Where verified store webhooks are queued."""
    return services.intake


async def get_graph(services: ServicesDep) -> AgentGraph:
    """The compiled conversation graph, for reading a thread."""
    return services.graph


async def get_turn_parts(services: ServicesDep) -> TurnParts:
    """What a turn, and a release that takes the turn's lock, use of the service."""
    return TurnParts.of(services)


async def get_desk(services: ServicesDep) -> Desk:
    """What staff actions on a ticket use: tickets, outbox, window, media, the turn's lock."""
    return Desk.of(services)


async def get_replies(services: ServicesDep) -> ReplyTemplates:
    """The store's own words, for what the service says outside a turn."""
    return services.context.store.replies


async def get_loops(services: ServicesDep) -> LoopHealth:
    """The background loops' health."""
    return services.loops


SettingsDep = Annotated[Settings, Depends(get_settings)]
RedisDep = Annotated[RedisClient, Depends(get_redis)]
OutboxDep = Annotated[Outbox, Depends(get_outbox)]
WindowDep = Annotated[ServiceWindow, Depends(get_window)]
InboundDep = Annotated[InboundIntake, Depends(get_inbound)]
FloodDep = Annotated[FloodGuard, Depends(get_flood)]
StoreIntakeDep = Annotated[StoreEventIntake, Depends(get_store_intake)]
GraphDep = Annotated[AgentGraph, Depends(get_graph)]
LoopsDep = Annotated[LoopHealth, Depends(get_loops)]
RepliesDep = Annotated[ReplyTemplates, Depends(get_replies)]
TurnPartsDep = Annotated[TurnParts, Depends(get_turn_parts)]
DeskDep = Annotated[Desk, Depends(get_desk)]
