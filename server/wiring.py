"""Build the graph's run-time context from settings: the composition root.

Real systems are used when their credentials are set; otherwise the offline demo store
and demo carrier answer through the very same client code, only the transport differs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from redis.asyncio import Redis

from agent.brains.base import Brain
from agent.brains.rules.brain import RulesBrain
from agent.context import Context, Limits, StoreProfile
from agent.settings import Settings
from integrations.nuvemshop.client import NuvemshopClient
from integrations.nuvemshop.demo.store import demo_transport
from integrations.redis.connection import open_redis
from integrations.redis.encryption import encrypted_serializer, thread_id_secret
from integrations.redis.saver import RedisSaver
from integrations.tracking.correios import CorreiosClient
from integrations.tracking.demo import demo_correios_transport
from tools.business_hours import weekday_hours
from tools.departments import (
    Department,
    DepartmentRouter,
    InMemoryTicketStore,
    TicketStore,
    with_hours,
)
from tools.orders import OrderService
from tools.tracking import TrackingService

DEMO_STORE_ID = "demo"
DEMO_TOKEN = "demo-token"


def build_brain(settings: Settings) -> Brain:
    """The brain named by `ATENDENTE_BRAIN`."""
    return RulesBrain()


def build_nuvemshop(settings: Settings) -> NuvemshopClient:
    """The store's API client: the real API with credentials, else the demo store."""
    store_id, token = settings.nuvemshop_store_id, settings.nuvemshop_access_token
    if not store_id or token is None:
        return NuvemshopClient(
            store_id=DEMO_STORE_ID,
            access_token=DEMO_TOKEN,
            user_agent=settings.nuvemshop_user_agent,
            transport=demo_transport(DEMO_STORE_ID, DEMO_TOKEN),
        )
    return NuvemshopClient(
        store_id=store_id,
        access_token=token.get_secret_value(),
        user_agent=settings.nuvemshop_user_agent,
        base_url=settings.nuvemshop_api_url,
        api_version=settings.nuvemshop_api_version,
    )


def _correios(settings: Settings) -> CorreiosClient | None:
    """Correios with a token; the demo carrier beside the demo store; else link-only."""
    if settings.correios_token is not None:
        return CorreiosClient(
            base_url=settings.correios_api_url, token=settings.correios_token.get_secret_value()
        )
    if settings.uses_demo_store:
        return CorreiosClient(token=DEMO_TOKEN, transport=demo_correios_transport())
    return None


def departments(settings: Settings) -> dict[str, Department]:
    """The departments with the working hours from settings."""
    return with_hours(
        {
            key: weekday_hours(hours.start, hours.end, saturday_end=hours.saturday_end)
            for key, hours in settings.department_hours.items()
        }
    )


def store_profile(settings: Settings) -> StoreProfile:
    """The public facts about the store, from settings."""
    return StoreProfile(
        name=settings.store_name,
        url=settings.store_url,
        hours=settings.store_hours,
        exchange_policy=settings.store_exchange_policy,
    )


@asynccontextmanager
async def open_context(
    settings: Settings,
    *,
    tickets: TicketStore | None = None,
    nuvemshop: NuvemshopClient | None = None,
) -> AsyncIterator[Context]:
    """Open every client the graph needs (or use `nuvemshop`) and close them on exit."""
    async with AsyncExitStack() as stack:
        if nuvemshop is None:
            nuvemshop = await stack.enter_async_context(build_nuvemshop(settings))
        correios = _correios(settings)
        if correios is not None:
            await stack.enter_async_context(correios)
        yield Context(
            brain=build_brain(settings),
            orders=OrderService(nuvemshop),
            tracking=TrackingService(correios),
            tickets=tickets or InMemoryTicketStore(),
            departments=DepartmentRouter(settings.handoff_routing, departments(settings)),
            store=store_profile(settings),
            limits=Limits(
                max_tool_rounds=settings.max_tool_rounds,
                max_inbound_chars=settings.max_inbound_chars,
                identity_attempts=settings.identity_attempts,
                history_turns=settings.history_turns,
            ),
        )


def build_saver(client: Redis, settings: Settings) -> RedisSaver:
    """The checkpoint saver the app uses: bounded, expiring, encrypted when a key is set."""
    key = settings.encryption_key.get_secret_value() if settings.encryption_key else None
    return RedisSaver(
        client,
        keep_last=settings.checkpoint_keep_last,
        ttl_seconds=settings.conversation_ttl_days * 24 * 3600,
        prefix=f"{settings.redis_prefix}:cp",
        serde=encrypted_serializer(key) if key else None,
        key_secret=thread_id_secret(key) if key else None,
    )


@asynccontextmanager
async def open_checkpointer(settings: Settings) -> AsyncIterator[RedisSaver]:
    """Connect to `REDIS_URL`, or start the embedded server, and yield the saver."""
    url = settings.redis_url.get_secret_value() if settings.redis_url else None
    async with open_redis(url, data_dir=settings.data_dir / "redis") as client:
        yield build_saver(client, settings)
