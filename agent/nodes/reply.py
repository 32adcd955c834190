"""`reply`: write this turn's outgoing messages into the outbox.

The graph never sends: the caller (server worker, terminal chat, eval runner) delivers
the outbox, which keeps every turn replayable and testable.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from agent.context import Context
from agent.state import AgentState


async def reply(state: AgentState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Compose the outbox with the brain and remember what was said."""
    outbox = await runtime.context.brain.compose(state, runtime.context)
    said = "\n\n".join(message.get("text", "") for message in outbox)
    return {"outbox": outbox, "messages": [AIMessage(content=said)]}
