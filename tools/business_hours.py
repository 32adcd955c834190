"""When a department has people at work, so a handoff can say when a person will answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

STORE_TIMEZONE = ZoneInfo("America/Sao_Paulo")


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """Opening windows per weekday (0 = Monday) in the store's timezone."""

    windows: dict[int, tuple[time, time]]
    description: str
    """How the hours read to a customer: 'de segunda a sexta, das 9h às 18h'."""

    def is_open(self, moment: datetime) -> bool:
        """True when `moment` falls inside an opening window."""
        local = moment.astimezone(STORE_TIMEZONE)
        window = self.windows.get(local.weekday())
        return window is not None and window[0] <= local.time() < window[1]


def weekday_hours(start: int, end: int, *, saturday_end: int | None = None) -> BusinessHours:
    """Monday to Friday from `start` to `end` o'clock, optionally Saturday mornings."""
    windows = {day: (time(start), time(end)) for day in range(5)}
    description = f"de segunda a sexta, das {start}h às {end}h"
    if saturday_end is not None:
        windows[5] = (time(start), time(saturday_end))
        description += f", e aos sábados, das {start}h às {saturday_end}h"
    return BusinessHours(windows=windows, description=description)
