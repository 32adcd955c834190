"""Run one customer turn through the graph and report what happened.

The server worker, the terminal chat and the eval runner all call `run_turn`, so each
sees the same path, tool calls and outbox for the same message.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableConfig

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
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The JSON shape printed by `atendente chat --json`."""
        data = asdict(self)
        data.pop("extra")
        data.pop("confidence")
        return data


def thread_config(thread_id: str) -> RunnableConfig:
    """The config that selects one customer's thread in the checkpointer."""
    return {"configurable": {"thread_id": thread_id}}


async def run_turn(graph: AgentGraph, context: Context, inbound: Inbound) -> TurnResult:
    """Feed `inbound` to its sender's thread and collect the turn's trace."""
    config = thread_config(inbound["sender_id"])
    path: list[str] = []
    tools: list[dict[str, Any]] = []
    async for chunk in graph.astream(
        {"inbound": inbound}, config, context=context, stream_mode="updates"
    ):
        for node, update in chunk.items():
            if node.startswith("__"):
                continue
            path.append(node)
            for message in (update or {}).get("messages", []):
                if isinstance(message, AIMessage):
                    tools.extend({"name": c["name"], "args": c["args"]} for c in message.tool_calls)
    state = (await graph.aget_state(config)).values
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
    )
