"""What the inbox shows of a ticket: its line in the list and its conversation as one timeline.

The conversation before the handoff lives in the customer's checkpoint, without times;
what happened since lives on the ticket's timeline, with times. The two meet at the
handoff: the checkpoint's last customer messages are the ones the ticket recorded, so the
checkpoint is cut there, and the bot's acknowledgements that followed those messages
take the time of the message they answered.
"""

from __future__ import annotations

from typing import Any

from tools.departments import Department, Ticket
from tools.handoff_notify import reason_text
from tools.ticket_events import TicketEvent

PREVIEW_CHARS = 90
STAFF_NAMES = {
    "financeiro": "Financeiro",
    "logistica": "Logística",
    "trocas": "Trocas e devoluções",
    "atendimento": "Atendimento",
}
"""How the staff name their departments (a `Department.label` is how a customer reads it)."""


def staff_name(key: str) -> str:
    """The department as the staff call it."""
    return STAFF_NAMES.get(key, key)


def summary(
    ticket: Ticket,
    *,
    departments: dict[str, Department],
    last_activity: str | None,
    seen: int,
) -> dict[str, Any]:
    """The ticket's line in the list: who, why, when, for whom, and how much is unread."""
    last = ticket.messages[-1] if ticket.messages else ""
    return {
        "id": ticket.id,
        "department": ticket.department,
        "department_label": staff_name(ticket.department),
        "reason": ticket.reason,
        "reason_text": reason_text(ticket.reason),
        "order_number": ticket.order_number,
        "wa_id": ticket.sender_id,
        "opened_at": ticket.opened_at.isoformat(),
        "last_activity": last_activity,
        "assignee": ticket.assignee,
        "unread": max(0, len(ticket.messages) - seen),
        "preview": last[:PREVIEW_CHARS] + ("…" if len(last) > PREVIEW_CHARS else ""),
    }


def _split(conversation: list[dict[str, str]], recorded: int) -> int:
    """Where the conversation after the handoff starts: at its `recorded`-th last customer line."""
    if recorded == 0:
        return len(conversation)
    split, found = len(conversation), 0
    for index in range(len(conversation) - 1, -1, -1):
        if found == recorded:
            break
        if conversation[index]["from"] == "customer":
            found += 1
        split = index
    return split


def timeline(conversation: list[dict[str, str]], events: list[TicketEvent]) -> list[dict[str, Any]]:
    """The customer, the bot, the staff and the system events, oldest first.

    `conversation` is the checkpoint's `{from, text}` lines; `events` the ticket's timeline.
    Lines from before the handoff carry no time (`at` is null).
    """
    customer_events = [e for e in events if e.kind == "customer_message"]
    split = _split(conversation, len(customer_events))
    entries: list[dict[str, Any]] = [
        {"kind": "customer_message" if line["from"] == "customer" else "bot", "text": line["text"]}
        | {"at": None}
        for line in conversation[:split]
    ]
    tail = conversation[split:]
    tail_customers = sum(1 for line in tail if line["from"] == "customer")
    offset = len(customer_events) - tail_customers
    bots_after: dict[int, list[str]] = {}
    index = offset - 1
    for line in tail:
        if line["from"] == "customer":
            index += 1
        elif index >= 0:
            bots_after.setdefault(index, []).append(line["text"])
    seen = -1
    for event in events:
        entries.append(event.as_dict())
        if event.kind == "customer_message":
            seen += 1
            entries += [
                {"kind": "bot", "text": text, "at": event.at.isoformat()}
                for text in bots_after.get(seen, [])
            ]
    return entries
