"""The world one eval dialogue runs in: its store, its carriers, its tickets and its clock.

Every dialogue gets fresh copies of everything that remembers (the store's orders, the
ticket store, the carriers' token cache), so dialogues cannot influence one another and
may run concurrently. Everything goes through the production clients; only the transports
are the in-process demo ones.

The dialogue's clock is the world's time: business hours, the carriers' demo histories and
the tracking service's "today" all use it. A run is then the same on any day, which a
replay of recorded model calls needs: the prompts, tool results included, must not change
from one day to the next.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx

from agent.brains.base import Brain
from agent.context import Context
from composition.settings import Settings
from composition.wiring import DEMO_STORE_ID, DEMO_TOKEN, open_context
from evals.dialogue import Dialogue, Store
from integrations.nuvemshop.client import NuvemshopClient
from integrations.nuvemshop.demo.store import DemoStore, demo_orders
from tools.departments import InMemoryTicketStore

DEFAULT_CLOCK = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
"""Tuesday 2026-11-24, 14:00 in São Paulo: every department is open."""


def store_orders(store: Store) -> list[dict[str, Any]]:
    """The orders a dialogue's store holds, as fresh copies the run may not share."""
    base = demo_orders() if store.base == "demo" else []
    return base + [copy.deepcopy(order) for order in store.orders]


def dialogue_clock(dialogue: Dialogue) -> datetime:
    """When the dialogue happens: its own `clock`, or a weekday afternoon."""
    return dialogue.clock or DEFAULT_CLOCK


@asynccontextmanager
async def open_dialogue_context(
    dialogue: Dialogue, *, settings: Settings, brain: Brain
) -> AsyncIterator[Context]:
    """A graph context on the dialogue's own store, tickets and clock, closed on exit.

    Args:
        dialogue: Gives the store fixture and the clock.
        settings: Department hours and routing, limits and the store profile.
        brain: The brain under evaluation (shared by the run; brains keep no conversation).
    """
    now = dialogue_clock(dialogue)
    store = DemoStore(
        store_id=DEMO_STORE_ID, access_token=DEMO_TOKEN, orders=store_orders(dialogue.store)
    )
    async with AsyncExitStack() as stack:
        nuvemshop = await stack.enter_async_context(
            NuvemshopClient(
                store_id=DEMO_STORE_ID,
                access_token=DEMO_TOKEN,
                user_agent=settings.nuvemshop_user_agent,
                transport=httpx.MockTransport(store.handle),
            )
        )
        yield await stack.enter_async_context(
            open_context(
                settings,
                tickets=InMemoryTicketStore(),
                nuvemshop=nuvemshop,
                brain=brain,
                clock=lambda: now,
            )
        )
