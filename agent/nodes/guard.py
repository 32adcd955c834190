"""`guard`: turn the inbound message into a clean customer turn, within limits.

It opens every turn, so it also resets the per-turn fields and trims old history; a
handed-off thread is still recorded here before `human_mode` takes it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime

from agent.context import Context
from agent.history import trim_to_recent_turns
from agent.state import AgentState, Attachment, Identity, Outcome

MEDIA_PLACEHOLDERS = {
    "image": "[imagem]",
    "audio": "[áudio]",
    "video": "[vídeo]",
    "document": "[documento]",
    "sticker": "[figurinha]",
    "location": "[localização]",
    "contacts": "[contato]",
    "unsupported": "[mensagem em formato não suportado]",
}


def _identity(state: AgentState) -> Identity:
    """The thread's identity, created on the first turn and refreshed with the phone."""
    inbound = state["inbound"]
    identity = state.get("identity")
    if identity is None:
        identity = Identity(sender_id=inbound.get("sender_id", ""), phone=None, emails=[], cpfs=[])
    phone = inbound.get("phone")
    if phone and phone != identity.get("phone"):
        identity = Identity(**{**identity, "phone": phone})
    return identity


ATTACHMENT_AGE = timedelta(days=1)
"""A photo or voice note older than this (the customer's 24 h window) stays off new tickets."""
MAX_ATTACHMENTS = 10
"""Kept waiting for a ticket; a customer who sends more is showing the same problem again."""


def _attachments(state: AgentState, now: datetime) -> list[Attachment]:
    """The photos and voice notes no ticket holds yet, this turn's included."""
    inbound, sent = state["inbound"], now.isoformat()
    kept = [
        attachment
        for attachment in state.get("attachments") or []
        if now - datetime.fromisoformat(attachment["sent_at"]) < ATTACHMENT_AGE
    ]
    kept += [
        Attachment(kind="photo", media_id=media_id, sent_at=sent)
        for media_id in inbound.get("photo_ids") or []
    ]
    kept += [
        Attachment(kind="voice_note", sent_at=sent, **note)
        for note in inbound.get("voice_notes") or []
    ]
    return kept[-MAX_ATTACHMENTS:]


async def guard(state: AgentState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Normalise the inbound turn, enforce the length limit and reset per-turn fields."""
    inbound = state["inbound"]
    limit = runtime.context.limits.max_inbound_chars
    text = (inbound.get("text") or "").strip()
    media = inbound.get("media_type")
    outcome = Outcome()
    if len(text) > limit:
        text = text[:limit]
        outcome["truncated"] = True
    if media:
        outcome["media"] = media
    if inbound.get("unheard"):
        outcome["unheard"] = True
    if not text and not media:
        outcome["empty"] = True
    content = text or MEDIA_PLACEHOLDERS.get(media or "", "[mensagem vazia]")
    history = state.get("messages", [])
    removals = trim_to_recent_turns(history, runtime.context.limits.history_turns - 1)
    return {
        "identity": _identity(state),
        "attachments": _attachments(state, runtime.context.clock()),
        "messages": [*removals, HumanMessage(content=content)],
        "understanding": {},
        "request": {},
        "outcome": outcome,
        "tool_rounds": 0,
        "handoff_reason": None,
        "outbox": [],
        "llm": {},
    }
