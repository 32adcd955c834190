"""Run-time dependencies of the graph, passed per run with `context=` and never checkpointed.

Clients and services live here rather than in the state, so a checkpoint holds only data
and the same thread can be resumed by another process with its own connections.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from agent.brains.base import Brain
from agent.store_profile import StoreProfile
from integrations.clock import utc_now
from tools.catalog import CatalogService
from tools.departments import DepartmentRouter, TicketStore
from tools.knowledge.base import KnowledgeBase
from tools.orders import OrderService
from tools.tracking import TrackingService


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds that keep a turn short and a conversation small."""

    max_tool_rounds: int = 4
    max_inbound_chars: int = 2000
    identity_attempts: int = 3
    history_turns: int = 10


@dataclass(frozen=True, slots=True)
class Context:
    """Everything a node or tool needs besides the state."""

    brain: Brain
    orders: OrderService
    tracking: TrackingService
    tickets: TicketStore
    departments: DepartmentRouter
    store: StoreProfile
    catalog: CatalogService
    """The store's products, for product questions (no identity needed)."""
    knowledge: KnowledgeBase
    """The store's knowledge file and pages, for questions about the store."""
    limits: Limits = field(default_factory=Limits)
    clock: Callable[[], datetime] = utc_now
    """Injected so business-hours answers can be tested at any hour."""
