"""Human departments: which one takes a handoff, and the tickets that record it.

Routing from a handoff reason to a department is data (settings), not code, so a store can
send, say, exchanges to `atendimento` without a release.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from tools.business_hours import BusinessHours, weekday_hours


@dataclass(frozen=True, slots=True)
class Department:
    """A team of people who can take over a conversation."""

    key: str
    label: str
    """How the customer reads it: 'nosso time financeiro'."""
    hours: BusinessHours


DEFAULT_DEPARTMENTS: dict[str, Department] = {
    "financeiro": Department("financeiro", "nosso time financeiro", weekday_hours(9, 18)),
    "logistica": Department("logistica", "nosso time de logística", weekday_hours(8, 18)),
    "trocas": Department("trocas", "nosso time de trocas e devoluções", weekday_hours(9, 18)),
    "atendimento": Department(
        "atendimento", "nossa equipe de atendimento", weekday_hours(9, 18, saturday_end=13)
    ),
}
FALLBACK_DEPARTMENT = "atendimento"


def with_hours(hours: dict[str, BusinessHours]) -> dict[str, Department]:
    """The departments, each with its configured working hours."""
    return {
        key: Department(department.key, department.label, hours.get(key, department.hours))
        for key, department in DEFAULT_DEPARTMENTS.items()
    }


class DepartmentRouter:
    """Maps a handoff reason to its department through the configured routing table."""

    def __init__(
        self,
        routing: dict[str, str],
        departments: dict[str, Department] | None = None,
    ) -> None:
        """Refuse a routing table that names a department that does not exist."""
        self._departments = departments or DEFAULT_DEPARTMENTS
        unknown = sorted(set(routing.values()) - set(self._departments))
        if unknown:
            raise ValueError(f"handoff routing names unknown departments: {unknown}")
        self._routing = dict(routing)

    def department_for(self, reason: str) -> Department:
        """The department for `reason`; anything unmapped goes to `atendimento`.

        "human_request:<department>" is a customer asking for that department by name.
        """
        named = reason.partition("human_request:")[2]
        if named in self._departments:
            return self._departments[named]
        key = self._routing.get(reason, FALLBACK_DEPARTMENT)
        return self._departments[key]


@dataclass(slots=True)
class Ticket:
    """A handoff on record: who asked, why, and what they said since."""

    id: str
    department: str
    reason: str
    sender_id: str
    order_number: str | None
    opened_at: datetime
    messages: list[str] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)
    """What the bot found (for example a stalled delivery), so no one asks the customer again."""
    closed: bool = False
    replies: list[str] = field(default_factory=list)
    """What the department wrote to the customer (kept by the in-memory store only)."""
    assignee: dict[str, str] | None = None
    """The staff member the ticket is assigned to (`{login, name}`), if any."""


@runtime_checkable
class TicketStore(Protocol):
    """Where tickets live; the server keeps them in Redis, the chat and tests in memory."""

    async def open(
        self,
        *,
        department: str,
        reason: str,
        sender_id: str,
        order_number: str | None,
        evidence: dict[str, Any] | None = None,
    ) -> Ticket:
        """Open a ticket and return it with its id."""
        ...

    async def append(self, ticket_id: str, text: str) -> None:
        """Record a customer message for the department while humans own the thread."""
        ...

    async def get(self, ticket_id: str) -> Ticket | None:
        """Read a ticket back."""
        ...

    async def close(self, ticket_id: str) -> None:
        """Mark a ticket done when the department gives the thread back."""
        ...

    async def replied(self, ticket_id: str) -> bool:
        """Whether a person has written to the customer on this ticket, so the bot keeps quiet."""
        ...


class InMemoryTicketStore:
    """A process-local ticket store for the terminal chat and tests."""

    def __init__(self) -> None:
        """Start with no tickets and a fresh ticket counter."""
        self._tickets: dict[str, Ticket] = {}
        self._counter = itertools.count(1)

    async def open(
        self,
        *,
        department: str,
        reason: str,
        sender_id: str,
        order_number: str | None,
        evidence: dict[str, Any] | None = None,
    ) -> Ticket:
        """Open a ticket numbered ATD-<n>."""
        ticket = Ticket(
            id=f"ATD-{next(self._counter):05d}",
            department=department,
            reason=reason,
            sender_id=sender_id,
            order_number=order_number,
            opened_at=datetime.now(UTC),
            evidence=dict(evidence or {}),
        )
        self._tickets[ticket.id] = ticket
        return ticket

    async def append(self, ticket_id: str, text: str) -> None:
        """Add a customer message to an open ticket."""
        ticket = self._tickets.get(ticket_id)
        if ticket is not None:
            ticket.messages.append(text)

    async def get(self, ticket_id: str) -> Ticket | None:
        """Return the ticket, or None if unknown."""
        return self._tickets.get(ticket_id)

    async def record_reply(self, ticket_id: str, text: str) -> bool:
        """Record a department's reply; False when the ticket is unknown or closed."""
        ticket = self._tickets.get(ticket_id)
        if ticket is None or ticket.closed:
            return False
        ticket.replies.append(text)
        return True

    async def replied(self, ticket_id: str) -> bool:
        """Whether the department has replied on this ticket."""
        ticket = self._tickets.get(ticket_id)
        return bool(ticket and ticket.replies)

    async def close(self, ticket_id: str) -> None:
        """Mark the ticket closed."""
        ticket = self._tickets.get(ticket_id)
        if ticket is not None:
            ticket.closed = True
