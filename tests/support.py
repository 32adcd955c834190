"""Constants and helpers shared by the tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from agent.turn import TurnResult

ANA = "+5511987654321"
BRUNO = "+5521998765432"
CARLA = "+5531912345678"
STRANGER = "+5511900000000"
# A Tuesday at 14:00 in São Paulo: every department is open.
OFFICE_HOURS = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
# A Sunday at 10:00 in São Paulo: every department is closed.
SUNDAY = datetime(2026, 11, 29, 13, 0, tzinfo=UTC)

Say = Callable[..., Awaitable[TurnResult]]


def text_of(result: TurnResult) -> str:
    """Everything the customer read this turn."""
    return "\n".join(message.get("text", "") for message in result.messages)
