"""Build the graph's run-time context from settings: the composition root.

Real systems are used when their credentials are set; otherwise the offline demo store
and demo carrier answer through the very same client code, only the transport differs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from agent.brains.base import Brain
from agent.brains.rules.brain import RulesBrain
from agent.context import Context, Limits, StoreProfile
from agent.settings import Settings
from integrations.nuvemshop.client import NuvemshopClient
from integrations.nuvemshop.demo.store import demo_transport
from integrations.tracking.correios import CorreiosClient
from integrations.tracking.demo import demo_correios_transport
from tools.departments import DepartmentRouter, InMemoryTicketStore, TicketStore
from tools.orders import OrderService
from tools.tracking import TrackingService

DEMO_STORE_ID = "demo"
DEMO_TOKEN = "demo-token"


def build_brain(settings: Settings) -> Brain:
    """The brain named by `ATENDENTE_BRAIN`."""
    return RulesBrain()


def _nuvemshop(settings: Settings) -> NuvemshopClient:
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
    settings: Settings, *, tickets: TicketStore | None = None
) -> AsyncIterator[Context]:
    """Open every client the graph needs and close them all on exit."""
    async with AsyncExitStack() as stack:
        nuvemshop = await stack.enter_async_context(_nuvemshop(settings))
        correios = _correios(settings)
        if correios is not None:
            await stack.enter_async_context(correios)
        yield Context(
            brain=build_brain(settings),
            orders=OrderService(nuvemshop),
            tracking=TrackingService(correios),
            tickets=tickets or InMemoryTicketStore(),
            departments=DepartmentRouter(settings.handoff_routing),
            store=store_profile(settings),
            limits=Limits(
                max_tool_rounds=settings.max_tool_rounds,
                max_inbound_chars=settings.max_inbound_chars,
                identity_attempts=settings.identity_attempts,
                history_turns=settings.history_turns,
            ),
        )
