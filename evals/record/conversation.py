"""The shape every recording source produces: conversations of customer turns.

Checkpoints and export files differ in what they know (intents, tool calls, the customer's
names, the orders touched, when it happened); both become `Conversation`s, which
`evals.record.render` turns into dialogue files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


class RecordError(ValueError):
    """Input that cannot be turned into dialogues, with where and why in the message."""


@dataclass(frozen=True, slots=True)
class RecordedTurn:
    """One customer turn and what the bot did in it."""

    messages: tuple[str, ...]
    """The customer's messages: one, or a burst."""
    replies: tuple[str, ...] = ()
    """What the bot sent; empty when it stayed silent."""
    intent: str | None = None
    tools: tuple[Mapping[str, Any], ...] = ()
    """Tool calls as `{name, args}`."""
    handoff: str | None = None
    """The department of a handoff opened in this turn."""
    media: str | None = None


@dataclass(frozen=True, slots=True)
class Conversation:
    """A conversation ready to become a dialogue, with what is known about the customer."""

    turns: tuple[RecordedTurn, ...]
    phone: str | None = None
    sender_id: str | None = None
    names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    cpfs: tuple[str, ...] = ()
    order_numbers: tuple[str, ...] = ()
    """The orders the bot looked up: in its tool calls and results, and in the ownership
    checks the retained checkpoints hold."""
    unavailable_orders: tuple[str, ...] = ()
    """Of those, the ones the store never gave the bot (no such order, or not the customer's)."""
    orders: tuple[Mapping[str, Any], ...] = ()
    """Unmasked store orders (the API's JSON) for the dialogue's own store; none: demo store."""
    started_at: datetime | None = None
    """When the conversation happened (timezone-aware), for the dialogue's clock."""
