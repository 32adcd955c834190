"""The runner end to end: real graph, real clients over the demo store, rules and model brains."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from composition.settings import Settings
from evals.dialogue import Dialogue
from evals.runner import REPORT_FORMAT, run_suite
from evals.scripted_model import BASE_URL, ScriptedModel
from integrations.nuvemshop.demo.store import demo_orders
from tests.support import ANA, CARLA

pytestmark = pytest.mark.asyncio


def make(id: str, turns: list[dict[str, Any]], **fields: Any) -> Dialogue:
    data: dict[str, Any] = {
        "id": id,
        "description": "written for the test",
        "store": "demo",
        "customer": {"phone": ANA},
        "turns": turns,
    }
    return Dialogue.model_validate({**data, **fields})


def ana_order_as(number: int, phone: str = ANA) -> dict[str, Any]:
    """Demo order 1001 under another number (and owner), for stores of a dialogue's own."""
    order = copy.deepcopy(next(o for o in demo_orders() if o["number"] == 1001))
    order.update(id=1890000000 + number, number=number, contact_phone=phone)
    order["customer"] = {**order["customer"], "id": 700000000 + number, "phone": phone}
    return order


async def run(*dialogues: Dialogue, **options: Any) -> dict[str, Any]:
    return await run_suite(
        list(dialogues),
        brain_name=options.pop("brain_name", "rules"),
        settings=options.pop("settings", Settings(_env_file=None)),
        **options,
    )


def turns_of(report: dict[str, Any], dialogue: int = 0, trial: int = 0) -> list[dict[str, Any]]:
    turns: list[dict[str, Any]] = report["dialogues"][dialogue]["runs"][trial]["turns"]
    return turns


def failed(report: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [
        (d["id"], t["index"], c["kind"])
        for d in report["dialogues"]
        for r in d["runs"]
        for t in r["turns"]
        for c in t["checks"]
        if not c["ok"]
    ]


async def test_a_passing_dialogue_and_the_report_shape() -> None:
    dialogue = make(
        "order-status",
        [
            {"say": "oi", "expect": {"intent": "greeting", "tools": {"match": "strict"}}},
            {
                "say": "cadê meu pedido 1001?",
                "expect": {
                    "intent": ["order_status", "tracking"],
                    "tools": {"calls": [{"name": "get_order", "args": {"order_number": 1001}}]},
                    "handoff": "none",
                    "reply": {"contains": ["AA123456785BR", "saiu para entrega"]},
                },
            },
        ],
        leaks=["bruno.lima@example.com"],
    )
    report = await run(dialogue)
    assert report["format"] == REPORT_FORMAT
    assert report["run"]["brain"] == "rules"
    assert report["run"]["model"] is None
    summary = report["summary"]
    assert failed(report) == []
    assert (summary["dialogues"], summary["turns"], summary["trials"]) == (1, 2, 1)
    assert summary["pass_hat_k"] == {"1": 1.0}
    assert summary["intent_accuracy"] == 1.0
    assert summary["leaks"] == 0
    assert summary["llm"]["calls"] == 0
    first, second = turns_of(report)
    assert first["say"] == "oi" and first["reply"]
    assert second["tools"][0] == {"name": "get_order", "args": {"order_number": "1001"}}
    assert [c["kind"] for c in second["checks"]] == [
        "intent",
        "tools",
        "handoff",
        "contains",
        "contains",
        "leak",
    ]
    assert report["intents"]["confusion"] == {
        "greeting": {"greeting": 1},
        "order_status": {"order_status": 1},
    }


async def test_a_failed_expectation_fails_the_trial_and_the_rest_still_runs() -> None:
    wrong = make("wrong", [{"say": "oi", "expect": {"intent": "refund"}}, {"say": "obrigada"}])
    right = make("right", [{"say": "obrigada", "expect": {"intent": "thanks"}}])
    report = await run(wrong, right)
    assert failed(report) == [("wrong", 0, "intent")]
    assert [d["successes"] for d in report["dialogues"]] == [0, 1]
    assert len(turns_of(report, 0)) == 2
    assert report["summary"]["pass_hat_k"] == {"1": 0.5}
    assert report["intents"]["confusion"] == {
        "refund": {"greeting": 1},
        "thanks": {"thanks": 1},
    }


async def test_own_orders_store_holds_only_its_orders() -> None:
    dialogue = make(
        "own-store",
        [
            {
                "say": "cadê meu pedido 5001?",
                "expect": {
                    "tools": {"calls": [{"name": "get_order", "args": {"order_number": "5001"}}]},
                    "reply": {"contains": ["5001", "AA123456785BR"]},
                },
            },
            {"say": "e o pedido 1004?", "expect": {"reply": {"not_contains": ["separação"]}}},
        ],
        store={"orders": [ana_order_as(5001)]},
    )
    report = await run(dialogue)
    assert failed(report) == []
    assert "1004" in turns_of(report)[1]["reply"]


async def test_base_demo_plus_own_orders() -> None:
    dialogue = make(
        "demo-plus-own",
        [
            {"say": "meu pedido 7002", "expect": {"reply": {"contains": ["7002"]}}},
            {"say": "e o 1008?", "expect": {"reply": {"not_contains": ["não encontrei"]}}},
        ],
        customer={"phone": CARLA},
        store={"base": "demo", "orders": [ana_order_as(7002, phone=CARLA)]},
    )
    report = await run(dialogue)
    assert failed(report) == []


async def test_release_gives_the_thread_back_and_a_new_handoff_is_new() -> None:
    dialogue = make(
        "handoff-release",
        [
            {"say": "quero falar com um atendente", "expect": {"handoff": "atendimento"}},
            {
                "say": "oi? tem alguém?",
                "expect": {"handoff": "none", "reply": {"contains": ["Recebi sua mensagem"]}},
            },
            {"say": "alô", "expect": {"handoff": "none", "reply": {"silent": True}}},
            {"release": True},
            {"say": "oi", "expect": {"intent": "greeting", "reply": {"silent": False}}},
            {"say": "quero falar com um atendente", "expect": {"handoff": "atendimento"}},
        ],
    )
    report = await run(dialogue)
    assert failed(report) == []
    turns = turns_of(report)
    assert [t["index"] for t in turns] == [0, 1, 2, 4, 5]
    assert turns[0]["handoff"]["ticket"] != turns[4]["handoff"]["ticket"]
    assert turns[1]["handoff"] is None and turns[3]["handoff"] is None
    assert report["summary"]["handoff"]["atendimento"] == {
        "precision": 1.0,
        "recall": 1.0,
        "support": 2,
    }


async def test_a_burst_is_one_turn() -> None:
    dialogue = make(
        "burst",
        [
            {
                "say": ["oi", "meu pedido é o 1001", "cadê ele?"],
                "expect": {
                    "tools": {
                        "match": "superset",
                        "calls": [{"name": "get_order", "args": {"order_number": "1001"}}],
                    },
                    "reply": {"contains": ["AA123456785BR"]},
                },
            }
        ],
    )
    report = await run(dialogue)
    assert failed(report) == []
    [only] = turns_of(report)
    assert only["say"] == "oi\nmeu pedido é o 1001\ncadê ele?"
    assert report["summary"]["turns"] == 1


async def test_media_with_and_without_caption() -> None:
    dialogue = make(
        "media",
        [
            {
                "say": "",
                "media": "image",
                "expect": {"tools": {"match": "strict"}, "reply": {"regex": ["imagem|foto"]}},
            },
            {
                "say": "o brinco do pedido 1001 veio quebrado",
                "media": "image",
                "expect": {"intent": "exchange_return", "handoff": "trocas"},
            },
        ],
    )
    report = await run(dialogue)
    assert failed(report) == []
    assert turns_of(report)[0]["media"] == "image"


async def test_withheld_phone_and_a_sunday_clock() -> None:
    dialogue = make(
        "no-phone-sunday",
        [
            {
                "say": "oi, cadê meu pedido 1001?",
                "expect": {"reply": {"regex": ["e-mail|cpf"], "not_contains": ["AA123456785BR"]}},
            },
            {
                "say": "quero falar com um atendente",
                "expect": {"handoff": "atendimento", "reply": {"regex": ["segunda a sexta"]}},
            },
        ],
        customer={"phone": None, "sender_id": "BR.1A2B3C"},
        clock="2026-11-29T10:00:00-03:00",
    )
    report = await run(dialogue)
    assert failed(report) == []


async def test_a_leak_is_counted_and_fails_the_trial() -> None:
    dialogue = make(
        "leak",
        [{"say": "cadê meu pedido 1001?", "expect": {"leaks": ["aa123456785br"]}}],
        leaks=["Rua Harmônia"],
    )
    report = await run(dialogue)
    assert report["summary"]["leaks"] == 1
    assert failed(report) == [("leak", 0, "leak")]
    assert turns_of(report)[0]["leaks"] == ["aa123456785br"]


async def test_trials_give_pass_hat_k_up_to_the_trial_count() -> None:
    dialogues = [
        make("thanks", [{"say": "obrigada", "expect": {"intent": "thanks"}}]),
        make("greeting", [{"say": "bom dia", "expect": {"intent": "greeting"}}]),
    ]
    report = await run(*dialogues, trials=3, concurrency=3)
    assert report["summary"]["pass_hat_k"] == {"1": 1.0, "2": 1.0, "3": 1.0}
    assert [len(d["runs"]) for d in report["dialogues"]] == [3, 3]
    assert [r["trial"] for r in report["dialogues"][0]["runs"]] == [0, 1, 2]


async def test_dialogues_running_together_share_no_tickets() -> None:
    handoff = [{"say": "quero falar com um atendente", "expect": {"handoff": "atendimento"}}]
    report = await run(*(make(f"handoff-{n}", handoff) for n in range(4)), concurrency=4)
    tickets = {turns_of(report, n)[0]["handoff"]["ticket"] for n in range(4)}
    assert failed(report) == []
    assert len(tickets) == 1  # every dialogue's own ticket store starts from the same number


async def test_a_fixture_that_fails_fails_its_trial_only() -> None:
    broken_order = ana_order_as(5003)
    del broken_order["customer"]["id"]
    broken = make("broken", [{"say": "oi"}], store={"orders": [broken_order]})
    fine = make("fine", [{"say": "oi", "expect": {"intent": "greeting"}}])
    report = await run(broken, fine)
    broken_run = report["dialogues"][0]["runs"][0]
    assert broken_run["passed"] is False
    assert broken_run["errors"] == ["KeyError: 'id'"]
    assert report["dialogues"][1]["successes"] == 1


async def test_the_openai_brain_through_the_scripted_model() -> None:
    scripted = ScriptedModel()
    settings = Settings(
        _env_file=None,
        openai_base_url=BASE_URL,
        llm_timeout_seconds=5.0,
        rules_confidence=1.01,
    )
    dialogue = make(
        "model",
        [
            {
                "say": "cadê meu pedido 1001?",
                "expect": {
                    "tools": {"calls": [{"name": "get_order", "args": {"order_number": "1001"}}]},
                    "reply": {"contains": ["AA123456785BR"]},
                },
            }
        ],
    )
    async with scripted.client() as http:
        report = await run(
            dialogue,
            brain_name="openai",
            model="gpt-4o-mini",
            settings=settings,
            llm_http_client=http,
        )
    assert failed(report) == []
    assert report["run"]["model"] == "gpt-4o-mini"
    usage = report["summary"]["llm"]
    assert usage["calls"] >= 1
    assert usage["prompt_tokens_per_turn"] > 0
    assert turns_of(report)[0]["llm"]["model"] == "gpt-4o-mini"
    assert scripted.requests and all(r["model"] == "gpt-4o-mini" for r in scripted.requests)
