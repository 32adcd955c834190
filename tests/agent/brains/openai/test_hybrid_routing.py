"""Hybrid routing: confident rules answer without a model classification call."""

from __future__ import annotations

import pytest

from agent.toolkit import tools_for
from evals.scripted_model import Reply, ScriptedModel, ToolCallStep
from tests.support import ANA, STRANGER, Say, text_of

HYBRID_OFF = {"rules_confidence": 1.01}


def _classify_requests(scripted: ScriptedModel) -> list[dict[str, object]]:
    return [r for r in scripted.requests if r.get("response_format")]


async def test_a_typed_tracking_code_needs_no_classification_call(
    llm_say: Say, scripted: ScriptedModel
) -> None:
    result = await llm_say("rastrear AA123456785BR")

    assert _classify_requests(scripted) == []
    assert result.intent == "tracking"
    assert [t["name"] for t in result.tools] == ["track_package"]
    assert result.llm["calls"] == 1  # the reply only
    assert [c["kind"] for c in result.llm["log"]] == ["reply"]
    assert "AA123456785BR" in text_of(result)


async def test_asking_for_a_person_hands_off_without_any_tool_choice_call(
    llm_say: Say, scripted: ScriptedModel
) -> None:
    result = await llm_say("quero falar com atendente")

    assert _classify_requests(scripted) == []
    assert not [r for r in scripted.requests if r.get("tools")]
    assert result.handoff is not None
    assert result.handoff["department"] == "atendimento"


async def test_an_unclear_message_is_classified_by_the_model_with_structured_output(
    llm_say: Say, scripted: ScriptedModel
) -> None:
    scripted.add(
        Reply(
            json_output={
                "intent": "order_status",
                "intents": ["order_status"],
                "order_number": "1001",
                "tracking_code": None,
                "email": None,
                "cpf": None,
                "confidence": 0.82,
            }
        ),
        Reply(tool_calls=(ToolCallStep("get_order", {"order_number": "1001"}),)),
    )

    result = await llm_say("sobre o 1001, alguma novidade?")

    classify = _classify_requests(scripted)
    assert len(classify) == 1
    schema = classify[0]["response_format"]
    assert schema["type"] == "json_schema"  # type: ignore[index]
    assert result.intent == "order_status"
    assert result.entities["order_number"] == "1001"
    assert result.path == [
        "guard",
        "classify_intent",
        "verify_identity",
        "act",
        "tools",
        "act",
        "tools",
        "act",
        "reply",
    ]
    # The model's choice, then the follow-up its result calls for (a shipped order's
    # tracking), planned by the rules: one round of model tool choice, three calls in all.
    assert result.tools == [
        {"name": "get_order", "args": {"order_number": "1001"}},
        {"name": "track_order", "args": {"order_number": "1001"}},
    ]
    assert [c["kind"] for c in result.llm["log"]] == ["classify", "act", "reply"]


async def test_the_model_is_offered_only_the_tools_its_intent_allows(
    llm_say: Say, scripted: ScriptedModel
) -> None:
    scripted.add(
        Reply(
            json_output={
                "intent": "payment",
                "intents": ["payment"],
                "order_number": "1001",
                "tracking_code": None,
                "email": None,
                "cpf": None,
                "confidence": 0.7,
            }
        )
    )

    await llm_say("qual a boa do 1001")

    act_requests = [r for r in scripted.requests if r.get("tools")]
    assert act_requests
    offered = {t["function"]["name"] for t in act_requests[0]["tools"]}  # type: ignore[index]
    assert offered == {t.name for t in tools_for(["payment"])}
    assert "request_refund" not in offered


async def test_model_entities_the_customer_did_not_type_are_dropped(
    llm_say: Say, scripted: ScriptedModel
) -> None:
    scripted.add(
        Reply(
            json_output={
                "intent": "order_status",
                "intents": ["order_status"],
                "order_number": "1002",
                "tracking_code": None,
                "email": "ana.souza@example.com",
                "cpf": "52998224725",
                "confidence": 0.9,
            }
        )
    )

    result = await llm_say("meu pedido ta como, me ajuda ai por favor", phone=STRANGER)

    assert result.entities == {}
    assert "1002" not in text_of(result)


@pytest.mark.parametrize("llm_context", [HYBRID_OFF], indirect=True)
async def test_with_hybrid_routing_off_every_turn_is_classified_by_the_model(
    llm_say: Say, scripted: ScriptedModel
) -> None:
    result = await llm_say("rastrear AA123456785BR", phone=ANA)

    assert len(_classify_requests(scripted)) == 1
    assert result.llm["calls"] >= 2
