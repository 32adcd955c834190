"""`human_mode`: a person owns the thread, so the bot records and stays out of the way.

The customer is never met with silence: the first message after a silence (the first
since the handoff, or the first after half an hour without writing) gets one short
acknowledgement that says when a person will answer. Once a person has written to the
customer, the bot says nothing more: it never talks over them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.runtime import Runtime

from agent.context import Context
from agent.state import AgentState, Handoff, OutboundMessage

SILENCE = timedelta(minutes=30)
"""A customer quiet for this long who writes again is told again that the message arrived."""


def _after_silence(seen_at: str | None, now: datetime) -> bool:
    if not seen_at:
        return True
    try:
        return now - datetime.fromisoformat(seen_at) >= SILENCE
    except (TypeError, ValueError):
        return True


def acknowledgement(handoff: Handoff, context: Context, now: datetime) -> str:
    """The one short line that tells a waiting customer their message reached the team."""
    department = context.departments.department_for(handoff["reason"])
    if department.hours.is_open(now):
        when = "Em instantes alguém da equipe te responde por aqui."
    else:
        when = (
            f"A equipe atende {department.hours.description}; assim que voltar, alguém te "
            "responde por aqui."
        )
    return f"Recebi sua mensagem, ela já está no seu atendimento *{handoff['ticket']}* 🙏 {when}"


async def human_mode(state: AgentState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Add the customer's message to the open ticket; acknowledge it after a silence."""
    context = runtime.context
    handoff = state.get("handoff")
    messages = state.get("messages", [])
    now = context.clock()
    update: dict[str, Any] = {"outbox": [], "handoff_seen_at": now.isoformat()}
    if not handoff or not messages or not isinstance(messages[-1], HumanMessage):
        return update
    text = str(messages[-1].content)
    media = state["inbound"].get("media_ids") or []
    if media:
        text += f" (mídia: {', '.join(media)})"
    await context.tickets.append(handoff["ticket"], text)
    if _after_silence(state.get("handoff_seen_at"), now) and not await context.tickets.replied(
        handoff["ticket"]
    ):
        text = acknowledgement(handoff, context, now)
        update["outbox"] = [OutboundMessage(type="text", text=text)]
        update["messages"] = [AIMessage(content=text)]
    return update
