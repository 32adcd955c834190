"""A burst of customer messages ("oi" / "cadê meu pedido" / "1001") read as one turn.

The worker merges the messages a customer sent while a turn was pending, and the evals
replay recorded bursts the same way, so the rule lives with the agent that reads it.
"""

from __future__ import annotations

from typing import Any

from agent.state import Inbound
from integrations.whatsapp.updates import MEDIA_TYPES, MessageType


def merge(messages: list[dict[str, Any]]) -> Inbound:
    """One turn's input from a burst: texts joined in order, the latest media kind kept."""
    latest = messages[-1]
    texts = [m["text"] for m in messages if m.get("text")]
    media = [
        m["type"] if MessageType(m["type"]) in MEDIA_TYPES else "unsupported"
        for m in messages
        if MessageType(m["type"]) in MEDIA_TYPES or MessageType(m["type"]) is MessageType.UNKNOWN
    ]
    return Inbound(
        text="\n".join(texts),
        sender_id=latest["sender_id"],
        phone=latest.get("phone"),
        media_type=media[-1] if media and not texts else None,
        message_ids=[m["message_id"] for m in messages],
        media_ids=[m["media_id"] for m in messages if m.get("media_id")],
    )
