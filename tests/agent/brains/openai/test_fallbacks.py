"""When the model fails, the rules answer; when they cannot either, a person does."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from agent.accounting import turn_ledger
from agent.brains.openai.brain import OpenAIBrain
from composition.settings import DEFAULT_LLM_PRICES
from evals.scripted_model import BASE_URL, Failure, Reply, ScriptedModel, ToolCallStep
from tests.support import Say, text_of

UNSURE_STATUS = "sobre o 1001, alguma novidade?"
STATUS_READING: dict[str, Any] = {
    "intent": "order_status",
    "intents": ["order_status"],
    "order_number": "1001",
    "tracking_code": None,
    "email": None,
    "cpf": None,
    "confidence": 0.8,
}
FAST_DEADLINE = {"llm_timeout_seconds": 0.3, "llm_max_retries": 0}


async def test_a_429_then_success_is_retried_by_the_client_and_the_model_answers(
    llm_say: Say, scripted: ScriptedModel
) -> None:
    scripted.add(Failure(429, code="rate_limit_exceeded"), Reply(json_output=STATUS_READING))

    result = await llm_say(UNSURE_STATUS)

    assert result.llm["fallbacks"] == []
    assert result.llm["log"][0]["kind"] == "classify"
    assert result.llm["log"][0]["outcome"] == "ok"
    assert len([r for r in scripted.requests if r.get("response_format")]) == 2
    assert "AA123456785BR" in text_of(result)


async def test_server_errors_on_every_retry_fall_back_to_the_rules_for_that_step(
    llm_say: Say, scripted: ScriptedModel
) -> None:
    scripted.add(Failure(500), Failure(502), Failure(503))

    result = await llm_say(UNSURE_STATUS)

    assert result.llm["fallbacks"][0] == "classify"
    assert result.llm["log"][0]["outcome"] == "error"
    assert result.llm["log"][0]["error"] == "InternalServerError"
    # The rules read "provide_info" with the order number: the customer still gets the order.
    assert result.messages
    assert "1001" in text_of(result)


@pytest.mark.parametrize("llm_context", [FAST_DEADLINE], indirect=True)
async def test_a_model_slower_than_the_deadline_falls_back_in_time(
    llm_say: Say, scripted: ScriptedModel
) -> None:
    scripted.add(Reply(json_output=STATUS_READING, delay_seconds=3))

    result = await llm_say(UNSURE_STATUS)

    assert result.llm["fallbacks"][0] == "classify"
    assert result.llm["log"][0]["error"] in ("TimeoutError", "APITimeoutError")
    assert result.llm["log"][0]["seconds"] < 2
    assert result.messages


async def test_malformed_tool_arguments_are_retried_once_then_the_rules_plan(
    llm_say: Say, scripted: ScriptedModel
) -> None:
    broken = Reply(tool_calls=(ToolCallStep("get_order", raw_arguments='{"order_number": 10'),))
    scripted.add(Reply(json_output=STATUS_READING), broken, broken)

    result = await llm_say(UNSURE_STATUS)

    outcomes = [(c["kind"], c["outcome"]) for c in result.llm["log"]]
    assert outcomes[:3] == [("classify", "ok"), ("act", "malformed"), ("act", "malformed")]
    assert "act" in result.llm["fallbacks"]
    assert result.tools[0] == {"name": "get_order", "args": {"order_number": "1001"}}
    assert "AA123456785BR" in text_of(result)


async def test_one_malformed_answer_then_a_valid_one_keeps_the_model_in_charge(
    llm_say: Say, scripted: ScriptedModel
) -> None:
    scripted.add(
        Reply(json_output=STATUS_READING),
        Reply(tool_calls=(ToolCallStep("get_order", raw_arguments="not json"),)),
        Reply(tool_calls=(ToolCallStep("get_order", {"order_number": "1001"}),)),
    )

    result = await llm_say(UNSURE_STATUS)

    assert result.llm["fallbacks"] == []
    assert [c["kind"] for c in result.llm["log"]] == ["classify", "act", "act", "reply"]
    # The model's call, then the rules' follow-up for a shipped order (no model call).
    assert result.tools == [
        {"name": "get_order", "args": {"order_number": "1001"}},
        {"name": "track_order", "args": {"order_number": "1001"}},
    ]


async def test_a_tool_that_was_not_offered_counts_as_malformed(
    llm_say: Say, scripted: ScriptedModel
) -> None:
    sneaky = Reply(tool_calls=(ToolCallStep("request_refund", {"order_number": "1001"}),))
    scripted.add(Reply(json_output=STATUS_READING), sneaky, sneaky)

    result = await llm_say(UNSURE_STATUS)

    assert "request_refund" not in [t["name"] for t in result.tools]
    assert "act" in result.llm["fallbacks"]


async def test_a_failed_model_and_an_unsure_rules_brain_hand_off_to_a_person(
    llm_say: Say, scripted: ScriptedModel
) -> None:
    scripted.add(Failure(500), Failure(500), Failure(500))

    result = await llm_say("hmm entao, aquela coisa la que te falei ontem")

    assert result.handoff is not None
    assert result.handoff["department"] == "atendimento"
    assert "handoff" in result.path
    assert result.messages and text_of(result).strip()


async def test_a_failed_reply_call_sends_the_rules_reply(
    llm_say: Say, scripted: ScriptedModel
) -> None:
    scripted.add(Failure(500), Failure(500), Failure(500))

    result = await llm_say("rastrear AA123456785BR")

    assert result.llm["fallbacks"] == ["reply"]
    assert "AA123456785BR" in text_of(result)


async def _stream_brain(http: httpx.AsyncClient, deadline: float) -> OpenAIBrain:
    model = ChatOpenAI(
        model="gpt-4o",
        api_key=SecretStr("test"),
        base_url=BASE_URL,
        streaming=True,
        stream_usage=True,
        max_retries=0,
        http_async_client=http,
    )
    return OpenAIBrain(
        model, model_name="gpt-4o", prices=DEFAULT_LLM_PRICES, deadline_seconds=deadline
    )


# langchain-openai's streamed structured output trips a pydantic serializer warning of its own.
@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning")
async def test_a_streaming_model_is_read_to_the_end_with_its_usage(
    scripted: ScriptedModel,
) -> None:
    scripted.add(Reply(json_output=STATUS_READING))
    async with scripted.client() as http:
        brain = await _stream_brain(http, deadline=10)
        with turn_ledger() as ledger:
            understanding = await brain.understand(UNSURE_STATUS, awaiting=None)

    assert scripted.requests[0]["stream"] is True
    assert understanding.source == "model"
    assert understanding.intent == "order_status"
    assert ledger.calls[0].prompt_tokens > 0


async def test_a_stream_that_stalls_past_the_deadline_falls_back(
    scripted: ScriptedModel,
) -> None:
    scripted.add(Reply(json_output=STATUS_READING, chunk_delay_seconds=0.5))
    async with scripted.client() as http:
        brain = await _stream_brain(http, deadline=1.5)
        with turn_ledger() as ledger:
            understanding = await brain.understand(UNSURE_STATUS, awaiting=None)

    assert scripted.requests[0]["stream"] is True  # the stream had started
    assert understanding.source == "fallback"
    assert ledger.fallbacks == ["classify"]
    assert ledger.calls[0].error == "TimeoutError"
