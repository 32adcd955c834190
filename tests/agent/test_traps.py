"""The conversation traps found by trying the agent as a new user would, one test each."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from agent.context import Context
from agent.graph import AgentGraph
from agent.state import Inbound
from agent.turn import TurnResult, run_turn
from tests.support import ANA, STRANGER, SUNDAY, Say, text_of


def order_numbers_used(result: TurnResult) -> set[str]:
    return {str(call["args"].get("order_number")) for call in result.tools}


async def test_a_follow_up_means_the_order_last_talked_about(say: Say) -> None:
    assert "1001" in order_numbers_used(await say("oi, cadê meu pedido 1001?"))
    assert "1004" in order_numbers_used(await say("e o pedido 1004?"))
    assert "1001" in order_numbers_used(await say("e o 1001 de novo, como tá?"))
    follow_up = await say("e quando chega?")
    assert order_numbers_used(follow_up) == {"1001"}
    assert "1004" not in text_of(follow_up)


async def test_a_new_question_breaks_a_pending_request_for_the_order_number(say: Say) -> None:
    asked = await say("vcs fazem troca?", STRANGER)
    assert "número do pedido" in text_of(asked)
    shipping = await say("quanto custa o frete pra BH?", STRANGER)
    assert "número do pedido" not in text_of(shipping)
    assert shipping.intent == "store_info"
    product = await say("tem o vestido floral no tamanho P?", STRANGER)
    assert "número do pedido" not in text_of(product)
    assert product.intent == "product_info"


@pytest.mark.parametrize(
    "message",
    [
        "vou processar vcs no procon",
        "vou reclamar no reclame aqui, que palhaçada",
        "isso é um absurdo!!! ninguem me responde",
    ],
)
async def test_threats_and_unanswered_customers_reach_a_person_with_an_apology(
    say: Say, message: str
) -> None:
    result = await say(message, STRANGER)
    text = text_of(result)
    assert result.handoff is not None, text
    assert result.handoff["department"] == "atendimento"
    assert "não entendi" not in text
    assert re.search(r"sinto muito|desculp", text, re.IGNORECASE), text
    assert "protocolo" in text


async def test_unknown_and_someone_elses_order_read_the_same_to_a_stranger(
    graph: AgentGraph, context: Context
) -> None:
    async def ask(number: str, sender: str) -> TurnResult:
        inbound = Inbound(sender_id=sender, phone=None, text=f"cadê o pedido {number}?")
        return await run_turn(graph, context, inbound)

    unknown = await ask("9999", "stranger-a")
    someone_elses = await ask("1001", "stranger-b")
    assert text_of(unknown).replace("9999", "N") == text_of(someone_elses).replace("1001", "N")
    assert unknown.tools == someone_elses.tools == []
    wrong_unknown = await run_turn(
        graph, context, Inbound(sender_id="stranger-a", phone=None, text="ana@example.com")
    )
    wrong_someone = await run_turn(
        graph, context, Inbound(sender_id="stranger-b", phone=None, text="ana@example.com")
    )
    assert text_of(wrong_unknown).replace("9999", "N") == text_of(wrong_someone).replace(
        "1001", "N"
    )


async def test_after_a_handoff_on_a_sunday_night_the_customer_hears_when_a_person_answers(
    graph: AgentGraph, context: Context
) -> None:
    sunday = replace(context, clock=lambda: SUNDAY)

    async def say(text: str) -> TurnResult:
        inbound = Inbound(sender_id=ANA.lstrip("+"), phone=ANA, text=text)
        return await run_turn(graph, sunday, inbound)

    handed = await say("quero falar com um atendente")
    assert handed.handoff is not None
    waiting = await say("oi? alguém vai me responder?")
    text = text_of(waiting)
    assert "Recebi sua mensagem" in text
    assert "segunda a sexta" in text and "assim que voltar" in text
    assert (await say("?")).messages == []


async def test_replies_sound_like_a_person(say: Say) -> None:
    thanks = await say("obrigado!", STRANGER)
    assert not text_of(thanks).startswith("Oi!"), "a thank-you is not answered with a hello"
    await say("cadê o pedido 1001?", STRANGER)
    mismatch = text_of(await say("bruno.lima@example.com", STRANGER))
    assert "(s)" not in mismatch
    assert "mais 2 tentativas" in mismatch
    last = text_of(await say("carla.dias@example.com", STRANGER))
    assert "mais 1 tentativa." in last
    for reply in (mismatch, last):
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", reply) if s.strip()]
        assert len(sentences) == len(set(sentences)), reply
