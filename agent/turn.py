"""Run one customer turn through the graph and report what happened.

The server worker, the terminal chat and the eval runner all call `run_turn`, so each
sees the same path, tool calls and outbox for the same message.

A turn is checkpointed once, when it ends (`durability="exit"`): a turn that fails midway
leaves the conversation exactly as it was, so the same message can simply be retried.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from typing import Any

from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableConfig
from langgraph.types import Durability

from agent.accounting import turn_ledger
from agent.context import Context
from agent.graph import AgentGraph
from agent.state import Inbound, OutboundMessage


@dataclass(slots=True)
class TurnResult:
    """What one turn did: understanding, nodes visited, tools called and messages out."""

    intent: str | None
    entities: dict[str, str]
    path: list[str]
    tools: list[dict[str, Any]]
    messages: list[OutboundMessage]
    handoff: dict[str, str] | None
    confidence: float | None = None
    problem: str | None = None
    """The customer's problem as understood this turn, if any."""
    extra: dict[str, Any] = field(default_factory=dict)
    llm: dict[str, Any] = field(default_factory=dict)
    """Model usage of the turn: calls, tokens, cost, seconds, model and prompt version."""

    def as_json(self) -> dict[str, Any]:
        """The JSON shape printed by `atendente chat --json`."""
        data = asdict(self)
        data.pop("extra")
        data.pop("confidence")
        data.pop("problem")
        data["llm"] = {k: v for k, v in self.llm.items() if k != "log"}
        return data


def thread_config(thread_id: str) -> RunnableConfig:
    """The config that selects one customer's thread in the checkpointer."""
    return {"configurable": {"thread_id": thread_id}}


async def run_turn(
    graph: AgentGraph, context: Context, inbound: Inbound, *, durability: Durability = "exit"
) -> TurnResult:
    """Feed `inbound` to its sender's thread and collect the turn's trace.

    `durability="async"` checkpoints every step instead, as LangGraph does by default.
    """
    config = thread_config(inbound["sender_id"])
    path: list[str] = []
    tools: list[dict[str, Any]] = []
    state: dict[str, Any] = {}
    stream: AsyncIterator[tuple[str, dict[str, Any]]] = graph.astream(  # type: ignore[assignment]
        {"inbound": inbound},
        config,
        context=context,
        stream_mode=["updates", "values"],
        durability=durability,
    )
    node_seconds: dict[str, float] = {}
    started = time.perf_counter()
    with turn_ledger() as ledger:
        async for mode, chunk in stream:
            if mode == "values":
                state = chunk
                continue
            finished = time.perf_counter()
            for node, update in chunk.items():
                if node.startswith("__"):
                    continue
                path.append(node)
                node_seconds[node] = node_seconds.get(node, 0.0) + finished - started
                for message in (update or {}).get("messages", []):
                    if isinstance(message, AIMessage):
                        tools.extend(
                            {"name": c["name"], "args": c["args"]} for c in message.tool_calls
                        )
            started = time.perf_counter()
    understanding = state.get("understanding") or {}
    handoff = state.get("handoff")
    return TurnResult(
        intent=understanding.get("intent"),
        entities=dict(understanding.get("entities") or {}),
        path=path,
        tools=tools,
        messages=list(state.get("outbox") or []),
        handoff={"department": handoff["department"], "ticket": handoff["ticket"]}
        if handoff
        else None,
        confidence=understanding.get("confidence"),
        problem=understanding.get("problem"),
        extra={"node_seconds": node_seconds},
        llm=ledger.summary(),
    )
