"""What the bot may tell anyone about the store: its name, site, hours and exchange policy."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StoreProfile:
    """Facts about the store that the bot may tell anyone."""

    name: str
    url: str
    hours: str
    exchange_policy: str
