"""The conversations every saver serves: the real graph on the demo store, no handoffs.

Handoffs are left out on purpose: a handed-off thread goes silent, and its later turns would
cost almost nothing, flattering whichever saver happened to see more of them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

from langgraph.types import Durability

from agent.context import Context
from agent.graph import AgentGraph
from agent.state import Inbound
from agent.turn import run_turn


@dataclass(frozen=True, slots=True)
class Customer:
    """A demo customer and what they say, in order, turn after turn."""

    phone: str
    script: tuple[str, ...]
    rotate: bool = True
    """Whether a thread may start mid-script (False when early turns set up later ones)."""


CUSTOMERS: tuple[Customer, ...] = (
    Customer(
        "+5511987654321",
        (
            "oi, bom dia",
            "cadê meu pedido 1001?",
            "quero o boleto do pedido 1004",
            "qual o horário de vocês?",
            "e o pedido 1004, já saiu?",
            "obrigada!",
            "qual o código de rastreio do pedido 1001?",
            "qual o site da loja?",
            "cadê meu pedido 1004?",
            "valeu",
        ),
    ),
    Customer(
        "+5521998765432",
        (
            "boa tarde",
            "quero o boleto do pedido 1002",
            "cadê meu pedido 1002?",
            "vocês abrem sábado?",
            "obrigado",
            "o pedido 1002 já foi pago?",
            "que horas vocês fecham?",
            "tudo bem?",
            "quero a segunda via do boleto do pedido 1002",
            "valeu!",
        ),
    ),
    Customer(
        "+5531912345678",
        (
            "oi",
            "cadê meu pedido 1003?",
            "status do pedido 1005",
            "vocês abrem sábado?",
            "brigada",
            "meu pedido 1005 chegou?",
            "como pago o pedido 1005?",
            "olá, boa noite",
            "rastreio do pedido 1005",
            "obrigada pela ajuda",
        ),
    ),
    Customer(
        "+5511900000000",
        (
            "oi",
            "cadê meu pedido 1001?",
            "ana.souza@example.com",
            "quero o boleto do pedido 1001",
            "obrigado",
            "qual o horário de atendimento?",
            "e o pedido 1004?",
            "qual o código de rastreio do pedido 1001?",
            "valeu",
            "boa tarde",
        ),
        rotate=False,
    ),
)


@dataclass(frozen=True, slots=True)
class Conversation:
    """One thread of the workload: who writes and the messages of each turn."""

    thread_id: str
    phone: str
    messages: tuple[str, ...]


def plan(threads: int, turns: int, *, label: str) -> list[Conversation]:
    """Spread `threads` conversations of `turns` turns over the demo customers."""
    conversations = []
    for index in range(threads):
        customer = CUSTOMERS[index % len(CUSTOMERS)]
        start = (index // len(CUSTOMERS)) % len(customer.script) if customer.rotate else 0
        messages = tuple(
            customer.script[(start + turn) % len(customer.script)] for turn in range(turns)
        )
        conversations.append(Conversation(f"{label}-{index:04d}", customer.phone, messages))
    return conversations


class HandoffInWorkloadError(RuntimeError):
    """A workload message handed its thread to a person, which would skew the comparison."""


@dataclass(slots=True)
class WorkloadResult:
    """Wall time of the whole workload and the latency of each turn, in seconds."""

    seconds: float
    latencies: list[float]


async def run(
    graph: AgentGraph,
    context: Context,
    conversations: Sequence[Conversation],
    concurrency: int,
    durability: Durability = "exit",
) -> WorkloadResult:
    """Run every conversation's turns in order, with at most `concurrency` turns in flight."""
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def converse(conversation: Conversation) -> None:
        for text in conversation.messages:
            inbound = Inbound(sender_id=conversation.thread_id, phone=conversation.phone, text=text)
            async with gate:
                started = time.perf_counter()
                result = await run_turn(graph, context, inbound, durability=durability)
                latencies.append(time.perf_counter() - started)
            if result.handoff is not None:
                raise HandoffInWorkloadError(f"{text!r} handed the thread to a person")

    started = time.perf_counter()
    await asyncio.gather(*(converse(c) for c in conversations))
    return WorkloadResult(time.perf_counter() - started, latencies)
