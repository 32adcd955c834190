"""A burst of customer messages ("oi" / "cadê meu pedido" / "1001") read as one turn.

The worker merges the messages a customer sent while a turn was pending, and the evals
replay recorded bursts the same way, so the rule lives with the agent that reads it. A
voice note the worker transcribed (its `transcript`) reads as text; one it could not
(`unheard`) stays a voice note, answered with a polite ask to type.
"""

from __future__ import annotations

from typing import Any

from agent.state import Inbound, VoiceNote
from integrations.whatsapp.updates import MEDIA_TYPES, MessageType


def _text(message: dict[str, Any]) -> str:
    """What the message says: its text or caption, or its voice note's transcript."""
    return str(message.get("text") or message.get("transcript") or "")


def merge(messages: list[dict[str, Any]]) -> Inbound:
    """One turn's input from a burst: texts joined in order, the latest media kind kept."""
    latest = messages[-1]
    texts = [_text(m) for m in messages if _text(m)]
    media = [
        m["type"] if MessageType(m["type"]) in MEDIA_TYPES else "unsupported"
        for m in messages
        if (MessageType(m["type"]) in MEDIA_TYPES and not m.get("transcript"))
        or MessageType(m["type"]) is MessageType.UNKNOWN
    ]
    inbound = Inbound(
        text="\n".join(texts),
        sender_id=latest["sender_id"],
        phone=latest.get("phone"),
        media_type=media[-1] if media and not texts else None,
        message_ids=[m["message_id"] for m in messages],
        media_ids=[m["media_id"] for m in messages if m.get("media_id")],
    )
    photos = [m["media_id"] for m in messages if m["type"] == "image" and m.get("media_id")]
    if photos:
        inbound["photo_ids"] = photos
    voice_notes = [
        VoiceNote(media_id=str(m.get("media_id") or ""), transcript=str(m["transcript"]))
        for m in messages
        if m.get("transcript")
    ]
    if voice_notes:
        inbound["voice_notes"] = voice_notes
    if any(m.get("unheard") for m in messages):
        inbound["unheard"] = True
    return inbound
