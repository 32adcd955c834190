"""Give a handed-off thread back to the bot once the humans are done with it."""

from __future__ import annotations

from agent.context import Context
from agent.graph import AgentGraph
from agent.turn import thread_config


async def release_thread(graph: AgentGraph, context: Context, thread_id: str) -> str | None:
    """Close the thread's ticket and let the bot answer again; returns the closed ticket id."""
    config = thread_config(thread_id)
    state = (await graph.aget_state(config)).values
    handoff = state.get("handoff")
    if not handoff:
        return None
    ticket: str = handoff["ticket"]
    await context.tickets.close(ticket)
    await graph.aupdate_state(config, {"handoff": None, "failed_attempts": 0}, as_node="human_mode")
    return ticket
