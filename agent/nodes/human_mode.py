"""`human_mode`: a person owns the thread, so the bot records and stays silent."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime

from agent.context import Context
from agent.state import AgentState


async def human_mode(state: AgentState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Add the customer's message to the open ticket and send nothing."""
    handoff = state.get("handoff")
    messages = state.get("messages", [])
    if handoff and messages and isinstance(messages[-1], HumanMessage):
        text = str(messages[-1].content)
        media = state["inbound"].get("media_ids") or []
        if media:
            text += f" (mídia: {', '.join(media)})"
        await runtime.context.tickets.append(handoff["ticket"], text)
    return {"outbox": []}
