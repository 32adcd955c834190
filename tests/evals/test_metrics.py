"""Suite metrics on hand-made run records: pass^k arithmetic, intents, handoffs, usage."""

from __future__ import annotations

import math
from typing import Any

import pytest

from evals.metrics import (
    assertion_pass_rate,
    handoffs,
    intents,
    latency,
    leak_count,
    llm_usage,
    pass_hat_k,
    percentile,
    summarize,
    tool_match_rate,
)


def turn(
    *checks: tuple[str, bool],
    intent: str | None = None,
    expected_intent: list[str] | None = None,
    opened: str | None = None,
    expected_handoff: str | None = None,
    latency_ms: float = 10.0,
    llm: dict[str, Any] | None = None,
    leaks: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "intent": intent,
        "expected_intent": expected_intent,
        "handoff": {"department": opened, "ticket": "ATD-1"} if opened else None,
        "expected_handoff": expected_handoff,
        "latency_ms": latency_ms,
        "llm": llm or {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": 0.0},
        "checks": [{"kind": kind, "ok": ok} for kind, ok in checks],
        "leaks": leaks or [],
    }


def dialogue(*runs: list[dict[str, Any]]) -> dict[str, Any]:
    records = [
        {"trial": i, "passed": all(c["ok"] for t in r for c in t["checks"]), "turns": r}
        for i, r in enumerate(runs)
    ]
    return {
        "id": "d",
        "trials": len(records),
        "successes": sum(1 for r in records if r["passed"]),
        "runs": records,
    }


# pass^k ----------------------------------------------------------------------------------


def test_pass_hat_k_two_of_four() -> None:
    result = pass_hat_k([(2, 4)])
    assert result["1"] == pytest.approx(0.5)
    assert result["2"] == pytest.approx(1 / 6)  # C(2,2)/C(4,2)
    assert result["3"] == 0.0
    assert result["4"] == 0.0


def test_pass_hat_k_is_averaged_over_dialogues() -> None:
    result = pass_hat_k([(2, 4), (4, 4), (3, 4)])
    assert result["1"] == pytest.approx((0.5 + 1 + 0.75) / 3)
    assert result["2"] == pytest.approx((1 / 6 + 1 + 3 / 6) / 3)
    assert result["3"] == pytest.approx((0 + 1 + 1 / 4) / 3)
    assert result["4"] == pytest.approx((0 + 1 + 0) / 3)


def test_pass_hat_k_matches_the_combinatorial_definition() -> None:
    for n in range(1, 7):
        for c in range(n + 1):
            for k, value in pass_hat_k([(c, n)]).items():
                assert value == pytest.approx(math.comb(c, int(k)) / math.comb(n, int(k)))


def test_pass_hat_1_is_the_pass_rate_and_decreases_with_k() -> None:
    result = pass_hat_k([(1, 3), (3, 3), (0, 3), (2, 3)])
    assert result["1"] == pytest.approx(6 / 12)
    assert result["1"] >= result["2"] >= result["3"]


def test_pass_hat_k_of_nothing_is_empty() -> None:
    assert pass_hat_k([]) == {}


# Rates -----------------------------------------------------------------------------------


def test_assertion_and_tool_rates() -> None:
    runs = [
        dialogue(
            [
                turn(("intent", True), ("tools", True), ("contains", False)),
                turn(("tools", False), ("leak", True)),
            ]
        )
    ]
    assert assertion_pass_rate(runs) == pytest.approx(3 / 5)
    assert tool_match_rate(runs) == pytest.approx(1 / 2)


def test_rates_with_nothing_to_check_are_perfect() -> None:
    runs = [dialogue([turn()])]
    assert assertion_pass_rate(runs) == 1.0
    assert tool_match_rate(runs) == 1.0


# Intents ---------------------------------------------------------------------------------


def test_intents_confusion_and_per_intent_accuracy() -> None:
    runs = [
        dialogue(
            [
                turn(intent="order_status", expected_intent=["order_status"]),
                turn(intent="tracking", expected_intent=["order_status", "tracking"]),
                turn(intent="other", expected_intent=["order_status"]),
                turn(intent=None, expected_intent=["greeting"]),
                turn(intent="greeting"),  # no expectation: not counted
            ]
        )
    ]
    result = intents(runs)
    assert result["accuracy"] == pytest.approx(2 / 4)
    assert result["confusion"] == {
        "order_status": {"order_status": 1, "other": 1},
        "tracking": {"tracking": 1},
        "greeting": {"none": 1},
    }
    assert result["labels"] == ["greeting", "order_status", "tracking", "other", "none"]
    assert result["per_intent"] == {
        "greeting": {"accuracy": 0.0, "support": 1},
        "order_status": {"accuracy": 0.5, "support": 2},
        "tracking": {"accuracy": 1.0, "support": 1},
    }


# Handoffs --------------------------------------------------------------------------------


def test_handoff_precision_and_recall_per_department() -> None:
    runs = [
        dialogue(
            [
                turn(expected_handoff="trocas", opened="trocas"),
                turn(expected_handoff="trocas", opened="atendimento"),
                turn(expected_handoff="none", opened="atendimento"),
                turn(expected_handoff="financeiro", opened=None),
                turn(expected_handoff="none", opened=None),
                turn(expected_handoff=None, opened="logistica"),  # no expectation: not counted
            ]
        )
    ]
    assert handoffs(runs) == {
        "financeiro": {"precision": 0.0, "recall": 0.0, "support": 1},
        "trocas": {"precision": 1.0, "recall": 0.5, "support": 2},
        "atendimento": {"precision": 0.0, "recall": 0.0, "support": 0},
    }


# Usage, latency, leaks -------------------------------------------------------------------


def test_llm_usage_per_turn() -> None:
    usage = {"calls": 2, "prompt_tokens": 900, "completion_tokens": 60, "cost_usd": 0.003}
    runs = [dialogue([turn(llm=usage), turn()])]
    assert llm_usage(runs) == {
        "calls": 2,
        "calls_per_turn": 1.0,
        "prompt_tokens_per_turn": 450.0,
        "completion_tokens_per_turn": 30.0,
        "cost_usd": 0.003,
        "cost_per_turn_usd": 0.0015,
    }


def test_percentiles_interpolate_like_numpy() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 10.0]
    assert percentile(values, 50) == 3.0
    assert percentile(values, 95) == pytest.approx(8.8)
    assert percentile(values, 100) == 10.0
    assert percentile([], 50) == 0.0


def test_latency_and_leaks() -> None:
    runs = [
        dialogue(
            [turn(latency_ms=5.0), turn(latency_ms=15.0, leaks=["Rua Harmonia", "1002"])],
            [turn(latency_ms=25.0, leaks=["Rua Harmonia"])],
        )
    ]
    assert latency(runs) == {"p50": 15.0, "p95": 24.0, "max": 25.0}
    assert leak_count(runs) == 3


def test_summary_shape() -> None:
    runs = [dialogue([turn(("intent", True), intent="thanks", expected_intent=["thanks"])])]
    summary = summarize(runs, customer_turns=1, trials=1)
    assert summary["dialogues"] == 1
    assert summary["turns"] == 1
    assert summary["pass_hat_k"] == {"1": 1.0}
    assert summary["intent_accuracy"] == 1.0
    assert summary["leaks"] == 0
