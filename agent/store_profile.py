"""What the bot may tell anyone about the store, and the voice it tells it in."""

from __future__ import annotations

from dataclasses import dataclass, field

from agent.store_voice.templates import ReplyTemplates, default_templates
from agent.store_voice.tone import Tone


@dataclass(frozen=True, slots=True)
class StoreProfile:
    """Facts about the store that the bot may tell anyone, and how it words them."""

    name: str
    url: str
    hours: str
    exchange_policy: str
    tone: Tone = field(default_factory=Tone)
    replies: ReplyTemplates = field(default_factory=default_templates)
    """Every sentence the rules brain writes, with the store's overrides."""
