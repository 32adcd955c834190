"""Delivery problems read from tracking, so the agent hands them to `logistica` with evidence.

A package is a problem when it was lost, sent back, waits at a pickup point, is "delivered"
while the customer says it never arrived, or has had no news for more than N business days.
The evidence (the carrier's own last text, its date, the business days of silence, the code)
goes into the ticket, so the person in `logistica` can open a claim with the carrier without
asking the customer again.

Business days skip weekends and Brazil's national holidays: the fixed-date ones in federal
law (Lei 662/1949, Lei 6.802/1980 for 12/10, Lei 14.759/2023 for 20/11 from 2024 on) and Good
Friday, which carriers observe nationwide. Carnival is an optional day off, not a holiday,
and counts as a business day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, Literal

from integrations.tracking.correios_auth import BRASILIA
from integrations.tracking.models import TrackingInfo, TrackingStatus
from integrations.tracking.text import fold

ProblemKind = Literal["stalled", "returned", "lost", "awaiting_pickup", "delivered_not_received"]

_FIXED_HOLIDAYS = ((1, 1), (4, 21), (5, 1), (9, 7), (10, 12), (11, 2), (11, 15), (12, 25))
_CONSCIENCIA_NEGRA_SINCE = 2024
_MOVING: frozenset[TrackingStatus] = frozenset(
    {"posted", "in_transit", "out_for_delivery", "exception", "unknown"}
)
"""Statuses in which silence means trouble; a delivered or returned package is meant to rest."""
# Checked against the accent-free, lower-case text of the newest event, in order, for
# carriers whose status mapping missed it.
_TEXT_KINDS: tuple[tuple[str, ProblemKind], ...] = (
    ("extraviad", "lost"),
    ("devolvido", "returned"),
    ("devolucao", "returned"),
    ("aguardando retirada", "awaiting_pickup"),
)


def easter(year: int) -> date:
    """Easter Sunday of `year` (Gregorian computus), from which Good Friday follows."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


@cache
def national_holidays(year: int) -> frozenset[date]:
    """Brazil's national holidays of `year` (see the module docstring for which)."""
    days = {date(year, month, day) for month, day in _FIXED_HOLIDAYS}
    if year >= _CONSCIENCIA_NEGRA_SINCE:
        days.add(date(year, 11, 20))
    days.add(easter(year) - timedelta(days=2))
    return frozenset(days)


def is_business_day(day: date) -> bool:
    """Monday to Friday and not a national holiday."""
    return day.weekday() < 5 and day not in national_holidays(day.year)


def business_days_between(start: date, end: date) -> int:
    """Business days after `start` up to and including `end` (0 when `end` is not later)."""
    count = 0
    day = start + timedelta(days=1)
    while day <= end:
        count += is_business_day(day)
        day += timedelta(days=1)
    return count


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryProblem:
    """A delivery problem and the evidence a ticket needs."""

    kind: ProblemKind
    tracking_code: str
    carrier: str
    status: TrackingStatus
    last_event: str | None
    """The carrier's own text of the newest event, unchanged."""
    last_event_at: datetime | None
    last_event_location: str | None
    business_days_without_update: int | None

    def as_dict(self) -> dict[str, Any]:
        """The evidence as JSON-friendly values, for a ticket or a tool result."""
        return {
            "kind": self.kind,
            "tracking_code": self.tracking_code,
            "carrier": self.carrier,
            "status": self.status,
            "last_event": self.last_event,
            "last_event_at": self.last_event_at.isoformat() if self.last_event_at else None,
            "last_event_location": self.last_event_location,
            "business_days_without_update": self.business_days_without_update,
        }


def _kind_by_status(info: TrackingInfo, customer_says_not_received: bool) -> ProblemKind | None:
    """The problem the status (or, failing it, the newest event's text) shows, if any."""
    if info.status == "lost":
        return "lost"
    if info.status == "returned":
        return "returned"
    if info.status == "delivered":
        return "delivered_not_received" if customer_says_not_received else None
    if info.status == "awaiting_pickup":
        return "awaiting_pickup"
    latest = info.latest_event
    text = fold(latest.description) if latest else ""
    for needle, kind in _TEXT_KINDS:
        if needle in text:
            return kind
    return None


def detect_problem(
    info: TrackingInfo,
    *,
    now: datetime,
    stalled_after_business_days: int = 5,
    customer_says_not_received: bool = False,
) -> DeliveryProblem | None:
    """The package's delivery problem, or None when it is on its way or delivered as said.

    `stalled` means more than `stalled_after_business_days` business days (in Brasília) since
    the newest event while the package is still meant to move.
    """
    latest = info.latest_event
    silent: int | None = None
    if latest is not None:
        today = now.astimezone(BRASILIA).date()
        silent = business_days_between(latest.at.astimezone(BRASILIA).date(), today)
    kind = _kind_by_status(info, customer_says_not_received)
    if kind is None and info.status in _MOVING and silent is not None:
        kind = "stalled" if silent > stalled_after_business_days else None
    if kind is None:
        return None
    return DeliveryProblem(
        kind=kind,
        tracking_code=info.code,
        carrier=info.carrier,
        status=info.status,
        last_event=latest.description if latest else None,
        last_event_at=latest.at if latest else None,
        last_event_location=latest.location if latest else None,
        business_days_without_update=silent,
    )
