"""Conversations from an export file, or from what the admin API returns for a ticket.

`{"conversations": [{"id", "customer", "messages": [{"role": "customer"|"bot", "text",
"intent"?}], "handoff"?, "orders"?}]}`, where consecutive customer messages before a bot
reply are one burst and `orders` are store orders in the Nuvemshop API's shape (the
dialogue then runs on them instead of the demo store); or the admin API's
`GET /admin/tickets/{id}` answer (`{"ticket": {...}, "conversation": [...]}`), alone, in a
list, or inside `conversations`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from evals.record.conversation import Conversation, RecordedTurn, RecordError


class _Export(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class ExportMessage(_Export):
    """One message of an exported conversation; `from` (the admin API's key) works too."""

    role: Literal["customer", "bot"] = Field(alias="from")
    text: str
    intent: str | None = None


class ExportCustomer(_Export):
    """Who wrote, as far as the export knows."""

    phone: str | None = None
    sender_id: str | None = None
    name: str | None = None


class ExportHandoff(_Export):
    """The department the conversation was handed to."""

    department: str


class ExportConversation(_Export):
    """One conversation of the export file."""

    id: str | None = None
    customer: ExportCustomer = Field(default_factory=ExportCustomer)
    messages: tuple[ExportMessage, ...] = Field(min_length=1)
    handoff: ExportHandoff | None = None
    orders: tuple[dict[str, Any], ...] = ()
    """Store orders as the Nuvemshop API returns them, for the dialogue's own store."""

    @field_validator("orders")
    @classmethod
    def _order_keys(cls, value: tuple[dict[str, Any], ...]) -> tuple[dict[str, Any], ...]:
        for order in value:
            if not all(isinstance(order.get(key), int) for key in ("id", "number")):
                raise ValueError("every order needs an integer 'id' and 'number'")
        return value


def _admin_ticket(item: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """The admin API's ticket response as an export conversation (one turn per message)."""
    ticket = item.get("ticket") or {}
    department = ticket.get("department") if isinstance(ticket, Mapping) else None
    return {
        "id": ticket.get("id") if isinstance(ticket, Mapping) else None,
        "customer": {"sender_id": ticket.get("wa_id") if isinstance(ticket, Mapping) else None},
        "messages": item.get("conversation"),
        "handoff": {"department": department} if department else None,
    }, False


def _items(data: Any) -> list[tuple[Any, bool]]:
    """Each conversation of the file with whether consecutive customer messages are bursts."""
    if isinstance(data, Mapping) and "conversation" in data and "ticket" in data:
        return [_admin_ticket(data)]
    if isinstance(data, Mapping) and isinstance(data.get("conversations"), list):
        entries: list[Any] = data["conversations"]
    elif isinstance(data, list):
        entries = data
    else:
        raise RecordError(
            "expected {'conversations': [...]}, an admin ticket ({'ticket', 'conversation'}) "
            "or a list of them"
        )
    return [
        _admin_ticket(e) if isinstance(e, Mapping) and "conversation" in e else (e, True)
        for e in entries
    ]


def _export_turns(messages: Sequence[ExportMessage], bursts: bool) -> list[RecordedTurn]:
    turns: list[RecordedTurn] = []
    said: list[str] = []
    intent: str | None = None
    replies: list[str] = []

    def close() -> None:
        if said:
            turns.append(RecordedTurn(tuple(said), tuple(replies), intent))

    for message in messages:
        if message.role == "customer":
            if replies or (said and not bursts):
                close()
                said, replies, intent = [], [], None
            said.append(message.text)
            intent = message.intent or intent
        elif said:
            replies.append(message.text)
    close()
    return turns


def conversations_from_export(data: Any) -> list[Conversation]:
    """The conversations of an export file (see the module docstring for its shapes).

    Raises:
        RecordError: the file has none of the accepted shapes, or a conversation is malformed.
    """
    conversations = []
    for position, (raw, bursts) in enumerate(_items(data)):
        try:
            item = ExportConversation.model_validate(raw)
        except ValidationError as error:
            first = error.errors(include_url=False)[0]
            where = ".".join(str(part) for part in first["loc"]) or "conversation"
            raise RecordError(f"conversation #{position + 1}: {where}: {first['msg']}") from None
        turns = _export_turns(item.messages, bursts)
        if not turns:
            raise RecordError(f"conversation #{position + 1}: no customer message")
        if item.handoff:
            answered = [i for i, turn in enumerate(turns) if turn.replies] or [len(turns) - 1]
            opening = turns[answered[-1]]
            turns[answered[-1]] = RecordedTurn(
                opening.messages, opening.replies, opening.intent, handoff=item.handoff.department
            )
        customer = item.customer
        conversations.append(
            Conversation(
                turns=tuple(turns),
                phone=customer.phone,
                sender_id=customer.sender_id,
                names=(customer.name,) if customer.name else (),
                orders=item.orders,
            )
        )
    return conversations
