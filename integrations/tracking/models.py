"""Carrier-neutral tracking data, so the agent reads every carrier the same way.

Event descriptions stay in pt-BR exactly as the carrier wrote them: customers recognise
the carrier's wording, and rewording it could change its meaning.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

TrackingStatus = Literal[
    "posted",
    "in_transit",
    "out_for_delivery",
    "delivered",
    "awaiting_pickup",
    "returned",
    "lost",
    "exception",
    "unknown",
]
TRACKING_STATUSES: tuple[str, ...] = get_args(TrackingStatus)


class TrackingEvent(BaseModel):
    """One scan of the package: when, what the carrier said, and where."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    at: datetime
    description: str
    location: str | None = None
    destination: str | None = None


class TrackingInfo(BaseModel):
    """Where a package stands: the overall status and its history, newest event first."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    code: str
    carrier: str
    status: TrackingStatus
    events: tuple[TrackingEvent, ...] = ()
    url: str | None = None

    @property
    def latest_event(self) -> TrackingEvent | None:
        """The newest event, whose age tells whether the package has stalled."""
        return self.events[0] if self.events else None
