"""What happens on a ticket, as one ordered timeline and as events for whoever listens.

Every change to a ticket (opened, a customer message, an agent's reply, a note, an
assignment, a transfer, the release) is one `TicketEvent`. The ticket store appends it to
the ticket's timeline, so the staff read the handoff as one conversation with times, and
hands it to its listeners: the inbox's live updates and the signed outbound webhook that
lets a store bridge its tickets into Chatwoot or another inbox.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from tools.departments import Ticket

EventKind = Literal[
    "opened", "customer_message", "agent_reply", "note", "assigned", "transferred", "released"
]
"""Each kind is announced as `ticket.<kind>`."""


@dataclass(frozen=True, slots=True)
class StaffMember:
    """Who did it: an inbox agent, or the admin API (login `admin`)."""

    login: str
    name: str

    def as_dict(self) -> dict[str, str]:
        """The JSON shape timelines and webhooks carry."""
        return {"login": self.login, "name": self.name}


@dataclass(frozen=True, slots=True)
class TicketEvent:
    """One thing that happened on a ticket."""

    kind: EventKind
    at: datetime
    text: str | None = None
    """The message, note or reply; None for assignments and releases."""
    by: StaffMember | None = None
    """The staff member who acted; None for the customer and the bot."""
    details: dict[str, Any] = field(default_factory=dict)
    """Kind-specific facts: `media` of a reply, `template` sent, `assignee`, `from`/`to`
    departments of a transfer."""

    def as_dict(self) -> dict[str, Any]:
        """The JSON entry the timeline keeps (and the inbox reads)."""
        entry: dict[str, Any] = {"kind": self.kind, "at": self.at.isoformat()}
        if self.text is not None:
            entry["text"] = self.text
        if self.by is not None:
            entry["by"] = self.by.as_dict()
        if self.details:
            entry["details"] = self.details
        return entry

    @classmethod
    def from_dict(cls, entry: dict[str, Any]) -> TicketEvent:
        """An entry read back from the timeline."""
        by = entry.get("by")
        return cls(
            kind=entry["kind"],
            at=datetime.fromisoformat(entry["at"]),
            text=entry.get("text"),
            by=StaffMember(by["login"], by["name"]) if by else None,
            details=dict(entry.get("details") or {}),
        )


TicketListener = Callable[[Ticket, TicketEvent], Awaitable[None]]
"""Called after an event is stored, with the ticket as it stands then; must not raise."""
