"""A photo of a problem goes on the ticket the problem opens, and stale ones do not."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from agent.burst import merge
from agent.context import Context
from agent.graph import AgentGraph
from agent.state import Inbound
from agent.turn import run_turn
from tests.support import CARLA, OFFICE_HOURS, Say, text_of
from tools.departments import InMemoryTicketStore

THIAGO = "+5584972428660"


async def test_a_photo_sent_before_the_problem_is_attached_to_the_exchange_ticket(
    say: Say, tickets: InMemoryTicketStore
) -> None:
    first = await say("", phone=THIAGO, media_type="image", media_ids=["PH1"], photo_ids=["PH1"])
    assert "imagem" in text_of(first) and first.handoff is None
    second = await say("é o tenis do pedido 1020, a sola ta soltando", phone=THIAGO)
    assert second.handoff is not None and second.handoff["department"] == "trocas"
    ticket = await tickets.get(second.handoff["ticket"])
    assert ticket is not None and ticket.evidence["photos"] == ["PH1"]


async def test_a_captioned_photo_and_a_burst_arrive_on_the_ticket_together(
    graph: AgentGraph, context: Context, tickets: InMemoryTicketStore
) -> None:
    burst = merge(
        [
            {
                "message_id": "w1",
                "sender_id": CARLA[1:],
                "type": "image",
                "media_id": "PH2",
                "text": "olha como chegou o cinto do pedido 1005, todo riscado",
            },
            {
                "message_id": "w2",
                "sender_id": CARLA[1:],
                "type": "image",
                "media_id": "PH3",
                "text": "",
            },
        ]
    )
    assert burst["photo_ids"] == ["PH2", "PH3"]
    result = await run_turn(graph, context, Inbound(**{**burst, "phone": CARLA}))
    assert result.handoff is not None and result.handoff["department"] == "trocas"
    ticket = await tickets.get(result.handoff["ticket"])
    assert ticket is not None and ticket.evidence["photos"] == ["PH2", "PH3"]
    state = await graph.aget_state({"configurable": {"thread_id": CARLA[1:]}})
    assert state.values["attachments"] == [], "held by the ticket now"


async def test_a_photo_from_yesterday_stays_off_a_new_ticket(
    graph: AgentGraph, context: Context, tickets: InMemoryTicketStore
) -> None:
    yesterday = replace(context, clock=lambda: OFFICE_HOURS - timedelta(days=1, minutes=5))
    old = Inbound(
        sender_id="5584972428660",
        phone=THIAGO,
        text="",
        media_type="image",
        media_ids=["OLD"],
        photo_ids=["OLD"],
    )
    await run_turn(graph, yesterday, old)
    today = Inbound(
        sender_id="5584972428660", phone=THIAGO, text="é o tenis do pedido 1020, a sola ta soltando"
    )
    result = await run_turn(graph, context, today)
    assert result.handoff is not None
    ticket = await tickets.get(result.handoff["ticket"])
    assert ticket is not None and "photos" not in ticket.evidence
