"""Each node on its own, with a real context on the demo store."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, RemoveMessage, ToolMessage
from langgraph.runtime import Runtime

from agent.context import Context
from agent.nodes.act import act
from agent.nodes.classify_intent import classify_intent
from agent.nodes.guard import guard
from agent.nodes.handoff import handoff
from agent.nodes.human_mode import human_mode
from agent.nodes.reply import reply
from agent.nodes.verify_identity import verify_identity
from agent.state import AgentState
from tests.support import SUNDAY
from tools.departments import InMemoryTicketStore


def runtime(context: Context) -> Runtime[Context]:
    return Runtime(context=context)


def identity(phone: str | None = None, **proofs: list[str]) -> dict[str, Any]:
    return {
        "sender_id": "x",
        "phone": phone,
        "emails": proofs.get("emails", []),
        "cpfs": proofs.get("cpfs", []),
    }


def state(**fields: Any) -> AgentState:
    base: dict[str, Any] = {
        "inbound": {"text": "oi", "sender_id": "5511900000000", "phone": "+5511900000000"},
        "messages": [HumanMessage("oi", id="h1")],
        "identity": identity("+5511900000000"),
    }
    return AgentState(**{**base, **fields})  # type: ignore[typeddict-item]


async def test_guard_resets_the_turn_and_creates_identity(context: Context) -> None:
    fresh = AgentState(inbound={"text": "  oi  ", "sender_id": "55119", "phone": "+55119"})
    update = await guard(fresh, runtime(context))
    assert update["identity"] == {"sender_id": "55119", "phone": "+55119", "emails": [], "cpfs": []}
    assert update["messages"][-1].content == "oi"
    assert update["outbox"] == [] and update["tool_rounds"] == 0 and update["outcome"] == {}


async def test_guard_truncates_long_text_and_flags_empty(context: Context) -> None:
    limit = context.limits.max_inbound_chars
    long = await guard(
        state(inbound={"text": "a" * (limit + 5), "sender_id": "1"}), runtime(context)
    )
    assert len(long["messages"][-1].content) == limit and long["outcome"]["truncated"]
    empty = await guard(state(inbound={"text": "", "sender_id": "1"}), runtime(context))
    assert empty["outcome"] == {"empty": True}


async def test_guard_trims_history_at_turn_boundaries(context: Context) -> None:
    small = replace(context, limits=replace(context.limits, history_turns=2))
    history = []
    for turn in range(3):
        history += [HumanMessage(f"q{turn}", id=f"h{turn}"), AIMessage(f"a{turn}", id=f"a{turn}")]
    update = await guard(state(messages=history), runtime(small))
    removed = [m.id for m in update["messages"] if isinstance(m, RemoveMessage)]
    assert removed == ["h0", "a0", "h1", "a1"]


async def test_classify_merges_an_answer_into_the_pending_request(context: Context) -> None:
    pending = {"intents": ["order_status"], "order_number": "1001"}
    current = state(
        messages=[HumanMessage("ana.souza@example.com")], pending=pending, awaiting="identity"
    )
    update = await classify_intent(current, runtime(context))
    assert update["understanding"]["intent"] == "provide_info"
    assert update["request"]["intents"] == ["order_status"]
    assert update["request"]["order_number"] == "1001"


async def test_classify_flags_a_human_request(context: Context) -> None:
    update = await classify_intent(
        state(messages=[HumanMessage("quero falar com atendente")]), runtime(context)
    )
    assert update["handoff_reason"] == "human_request"


async def test_verify_identity_verdicts(context: Context) -> None:
    rt = runtime(context)
    ask = await verify_identity(
        state(request={"intents": ["order_status"], "order_number": "1001"}), rt
    )
    assert ask["outcome"]["identity_check"] == "ask_identity" and ask["awaiting"] == "identity"

    owner = state(
        identity=identity("+5511987654321"),
        request={"intents": ["order_status"], "order_number": "1001"},
    )
    ok = await verify_identity(owner, rt)
    assert ok["outcome"]["identity_check"] == "verified" and ok["verified_orders"] == ["1001"]

    missing = await verify_identity(
        state(request={"intents": ["order_status"], "order_number": "99999"}), rt
    )
    assert missing["outcome"]["identity_check"] == "ask_identity"

    no_number = await verify_identity(state(request={"intents": ["payment"]}), rt)
    assert no_number["outcome"]["identity_check"] == "ask_order_number"


async def test_verify_identity_locks_after_the_allowed_attempts(context: Context) -> None:
    wrong = state(
        understanding={"entities": {"email": "x@example.com"}},
        request={"intents": ["order_status"], "order_number": "1001"},
        failed_attempts=context.limits.identity_attempts - 1,
    )
    update = await verify_identity(wrong, runtime(context))
    assert update["outcome"]["identity_check"] == "locked"
    assert update["handoff_reason"] == "identity_failed"


async def test_act_plans_tools_and_stops_at_the_round_limit(context: Context) -> None:
    verified = state(request={"intents": ["order_status"], "order_number": "1001"}, tool_rounds=0)
    update = await act(verified, runtime(context))
    assert [c["name"] for c in update["messages"][0].tool_calls] == ["get_order"]
    spent = await act({**verified, "tool_rounds": context.limits.max_tool_rounds}, runtime(context))
    assert "messages" not in spent


async def test_act_reads_handoff_requests_from_tool_results(context: Context) -> None:
    call = AIMessage("", tool_calls=[{"name": "request_refund", "args": {}, "id": "c1"}])
    result = ToolMessage(
        json.dumps({"refund": "handoff", "handoff": "refund"}),
        tool_call_id="c1",
        name="request_refund",
    )
    current = state(
        messages=[HumanMessage("reembolso"), call, result],
        request={"intents": ["refund"], "order_number": "1005"},
        tool_rounds=1,
    )
    update = await act(current, runtime(context))
    assert update["handoff_reason"] == "refund"


async def test_handoff_opens_a_ticket_and_knows_the_hours(
    context: Context, tickets: InMemoryTicketStore
) -> None:
    closed = replace(context, clock=lambda: SUNDAY)
    update = await handoff(
        state(handoff_reason="refund", request={"order_number": "1005"}), runtime(closed)
    )
    assert update["handoff"]["department"] == "financeiro"
    facts = update["outcome"]["handoff"]
    assert facts["open_now"] is False and "segunda a sexta" in facts["hours"]
    ticket = await tickets.get(update["handoff"]["ticket"])
    assert ticket is not None and ticket.order_number == "1005"


async def test_reply_always_writes_the_outbox(context: Context) -> None:
    update = await reply(state(request={"intents": ["other"]}, outcome={}), runtime(context))
    assert update["outbox"] and update["outbox"][0]["text"]
    assert isinstance(update["messages"][0], AIMessage)


async def test_human_mode_acknowledges_the_first_message_then_stays_quiet(
    context: Context, tickets: InMemoryTicketStore
) -> None:
    ticket = await tickets.open(
        department="atendimento", reason="human_request", sender_id="x", order_number=None
    )
    handoff = {"department": "atendimento", "ticket": ticket.id, "reason": "human_request"}
    first = await human_mode(
        state(messages=[HumanMessage("ainda estou esperando")], handoff=handoff), runtime(context)
    )
    assert [m["text"] for m in first["outbox"]] == [
        f"Recebi sua mensagem, ela já está no seu atendimento *{ticket.id}* 🙏 "
        "Em instantes alguém da equipe te responde por aqui."
    ]
    again = await human_mode(
        state(
            messages=[HumanMessage("alô")],
            handoff=handoff,
            handoff_seen_at=first["handoff_seen_at"],
        ),
        runtime(context),
    )
    assert again["outbox"] == []
    assert ticket.messages == ["ainda estou esperando", "alô"]


async def test_human_mode_acknowledges_again_after_a_silence_with_the_hours(
    context: Context, tickets: InMemoryTicketStore
) -> None:
    ticket = await tickets.open(
        department="trocas", reason="exchange_return", sender_id="x", order_number=None
    )
    handoff = {"department": "trocas", "ticket": ticket.id, "reason": "exchange_return"}
    an_hour_before = (SUNDAY - timedelta(hours=1)).isoformat()
    sunday = replace(context, clock=lambda: SUNDAY)
    update = await human_mode(
        state(messages=[HumanMessage("e aí?")], handoff=handoff, handoff_seen_at=an_hour_before),
        runtime(sunday),
    )
    (message,) = update["outbox"]
    assert "assim que voltar" in message["text"]
    assert "segunda a sexta" in message["text"]


async def test_human_mode_never_talks_over_a_person_who_replied(
    context: Context, tickets: InMemoryTicketStore
) -> None:
    ticket = await tickets.open(
        department="atendimento", reason="human_request", sender_id="x", order_number=None
    )
    assert await tickets.record_reply(ticket.id, "Oi, aqui é a Júlia, já vou ver seu pedido")
    handoff = {"department": "atendimento", "ticket": ticket.id, "reason": "human_request"}
    update = await human_mode(
        state(messages=[HumanMessage("obrigada!")], handoff=handoff), runtime(context)
    )
    assert update["outbox"] == []
    assert ticket.messages == ["obrigada!"]


async def test_human_mode_keeps_photos_as_evidence(
    context: Context, tickets: InMemoryTicketStore
) -> None:
    ticket = await tickets.open(
        department="trocas", reason="exchange_return", sender_id="x", order_number="1005"
    )
    current = state(
        inbound={"text": "", "sender_id": "x", "media_type": "image", "media_ids": ["MEDIA9"]},
        messages=[HumanMessage("[imagem]")],
        handoff={"department": "trocas", "ticket": ticket.id, "reason": "exchange_return"},
    )
    await human_mode(current, runtime(context))
    assert ticket.messages == ["[imagem] (mídia: MEDIA9)"]
