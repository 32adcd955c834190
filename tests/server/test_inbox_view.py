"""The inbox's timeline: the bot's conversation before the handoff, then the ticket's events."""

from __future__ import annotations

from datetime import UTC, datetime

from server.inbox_view import timeline
from tools.ticket_events import StaffMember, TicketEvent

T0 = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)


def at(minute: int) -> datetime:
    return T0.replace(minute=minute)


def test_the_checkpoint_is_cut_at_the_handoff_and_acknowledgements_take_their_times() -> None:
    conversation = [
        {"from": "customer", "text": "oi"},
        {"from": "bot", "text": "Olá! Como posso ajudar?"},
        {"from": "customer", "text": "quero falar com um atendente"},
        {"from": "bot", "text": "Vou passar para a equipe."},
        {"from": "customer", "text": "alô?"},
        {"from": "bot", "text": "Recebi sua mensagem"},
        {"from": "customer", "text": "ainda aí?"},
    ]
    events = [
        TicketEvent("opened", at(1)),
        TicketEvent("customer_message", at(2), text="alô?"),
        TicketEvent("agent_reply", at(3), text="Oi!", by=StaffMember("julia", "Júlia")),
        TicketEvent("customer_message", at(4), text="ainda aí?"),
    ]
    entries = timeline(conversation, events)
    assert [(e["kind"], e.get("text")) for e in entries] == [
        ("customer_message", "oi"),
        ("bot", "Olá! Como posso ajudar?"),
        ("customer_message", "quero falar com um atendente"),
        ("bot", "Vou passar para a equipe."),
        ("opened", None),
        ("customer_message", "alô?"),
        ("bot", "Recebi sua mensagem"),
        ("agent_reply", "Oi!"),
        ("customer_message", "ainda aí?"),
    ]
    assert [e["at"] for e in entries[:4]] == [None] * 4
    assert entries[6]["at"] == at(2).isoformat(), "the acknowledgement follows its message"
    assert entries[7]["by"] == {"login": "julia", "name": "Júlia"}


def test_a_trimmed_history_still_lines_up_from_the_end() -> None:
    conversation = [{"from": "customer", "text": "b"}, {"from": "bot", "text": "ack"}]
    events = [
        TicketEvent("opened", at(1)),
        TicketEvent("customer_message", at(2), text="a"),
        TicketEvent("customer_message", at(3), text="b"),
    ]
    entries = timeline(conversation, events)
    assert [(e["kind"], e.get("text")) for e in entries] == [
        ("opened", None),
        ("customer_message", "a"),
        ("customer_message", "b"),
        ("bot", "ack"),
    ]
