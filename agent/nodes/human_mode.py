"""`human_mode`: a person owns the thread, so the bot records and stays out of the way.

The customer is never met with silence: the first message after a silence (the first
since the handoff, or the first after half an hour without writing) gets one short
acknowledgement that says when a person will answer. Once a person has written to the
customer, the bot says nothing more: it never talks over them. A voice note reaches the
ticket as its transcript, marked as spoken.
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
    replies, ticket = context.store.replies, handoff["ticket"]
    if department.hours.is_open(now):
        return replies.text("human_mode.open_now", ticket=ticket)
    return replies.text("human_mode.closed_now", ticket=ticket, hours=department.hours.description)


VOICE_NOTE_MARK = "🎤"
"""Marks a voice note's transcript on the ticket, so the team knows it was spoken."""


def ticket_text(state: AgentState, said: str) -> str:
    """The customer's message as the team reads it: voice notes marked, media ids listed."""
    inbound = state["inbound"]
    text = f"{VOICE_NOTE_MARK} {said}" if inbound.get("voice_notes") else said
    media = inbound.get("media_ids") or []
    if media:
        text += f" (mídia: {', '.join(media)})"
    return text


async def human_mode(state: AgentState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Add the customer's message to the open ticket; acknowledge it after a silence."""
    context = runtime.context
    handoff = state.get("handoff")
    messages = state.get("messages", [])
    now = context.clock()
    update: dict[str, Any] = {"outbox": [], "handoff_seen_at": now.isoformat()}
    if not handoff or not messages or not isinstance(messages[-1], HumanMessage):
        return update
    await context.tickets.append(handoff["ticket"], ticket_text(state, str(messages[-1].content)))
    update["attachments"] = []  # on the ticket already, with the message they came with
    if _after_silence(state.get("handoff_seen_at"), now) and not await context.tickets.replied(
        handoff["ticket"]
    ):
        text = context.store.tone.apply(acknowledgement(handoff, context, now))
        update["outbox"] = [OutboundMessage(type="text", text=text)]
        update["messages"] = [AIMessage(content=text)]
    return update
