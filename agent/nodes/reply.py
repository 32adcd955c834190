"""`reply`: write this turn's outgoing messages into the outbox.

The graph never sends: the caller (server worker, terminal chat, eval runner) delivers
the outbox, which keeps every turn replayable and testable. Whichever brain wrote it, the
reply takes the store's tone here (no emoji when the store wants none).
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from agent.accounting import EMPTY_USAGE, current_ledger
from agent.context import Context
from agent.state import AgentState, OutboundMessage


async def reply(state: AgentState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Compose the outbox with the brain and remember what was said."""
    store = runtime.context.store
    outbox = [
        OutboundMessage(**{**message, "text": store.tone.apply(message["text"])})
        if "text" in message
        else message
        for message in await runtime.context.brain.compose(state, store)
    ]
    said = "\n\n".join(message.get("text", "") for message in outbox)
    ledger = current_ledger()
    usage = ledger.summary() if ledger else dict(EMPTY_USAGE)
    usage.pop("log", None)  # per-call detail goes to metrics and reports, not checkpoints
    said_message = AIMessage(content=said)
    history = state.get("messages") or []
    last = history[-1] if history else None
    if isinstance(last, AIMessage) and not last.tool_calls and last.id:
        said_message.id = last.id  # replace the model's answer with what was really sent
    return {"outbox": outbox, "messages": [said_message], "llm": usage}
