"""Delivery problems found while tracking go to `logistica`, with the evidence."""

from __future__ import annotations

import pytest

from tests.support import CARLA, Say, text_of
from tools.departments import InMemoryTicketStore


@pytest.mark.parametrize(
    ("phone", "order", "kind", "words"),
    [
        ("+5585964477557", "1012", "stalled", "sem atualização"),
        ("+5519979626606", "1010", "awaiting_pickup", "aguardando retirada"),
        ("+5548994068050", "1011", "returned", "devolução"),
        ("+5583974224657", "1026", "lost", "extravio"),
    ],
)
async def test_a_problem_package_is_handed_to_logistica_with_evidence(
    say: Say, tickets: InMemoryTicketStore, phone: str, order: str, kind: str, words: str
) -> None:
    result = await say(f"cadê meu pedido {order}?", phone)
    assert result.handoff is not None and result.handoff["department"] == "logistica"
    text = text_of(result)
    assert words in text and "protocolo" in text
    ticket = await tickets.get(result.handoff["ticket"])
    assert ticket is not None
    [problem] = ticket.evidence["delivery_problems"]
    assert problem["kind"] == kind
    assert problem["last_event"]


async def test_delivered_but_not_received_goes_to_logistica(
    say: Say, tickets: InMemoryTicketStore
) -> None:
    fine = await say("o pedido 1005 chegou?", CARLA)
    assert fine.handoff is None and "entregue" in text_of(fine)
    result = await say("consta entregue mas eu não recebi o pedido 1005", CARLA)
    assert result.handoff is not None and result.handoff["department"] == "logistica"
    assert {
        "name": "track_order",
        "args": {"order_number": "1005", "customer_says_not_received": True},
    } in result.tools
    ticket = await tickets.get(result.handoff["ticket"])
    assert ticket is not None
    assert ticket.evidence["delivery_problems"][0]["kind"] == "delivered_not_received"


async def test_a_code_no_carrier_knows_still_gets_the_link(say: Say) -> None:
    result = await say("rastrear AA000000005BR")  # a valid S10 code no carrier knows
    assert "rastreamento.correios.com.br" in text_of(result) or "17track" in text_of(result)
    assert result.handoff is None
