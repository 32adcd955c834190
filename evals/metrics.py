"""Suite-level metrics from the per-turn records of a run (the `dialogues` of report.json).

They read only the JSON records, never live objects, so a saved report can be measured
again (or compared) with exactly the arithmetic that produced it.

pass^k follows τ-bench (Yao et al., 2024): for a dialogue with c passing trials out of n,
pass^k = C(c, k) / C(n, k) is the chance that k trials drawn without replacement all pass;
the suite's pass^k is its mean over dialogues. pass^1 is the plain pass rate; larger k
rewards agents that pass reliably, not only sometimes.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from agent.understanding import INTENTS
from evals.dialogue import DEPARTMENTS, NO_HANDOFF

Record = Mapping[str, Any]
NO_INTENT = "none"
"""The confusion-matrix label of a turn where no intent was understood (a silent turn)."""


def pass_hat_k(outcomes: Sequence[tuple[int, int]]) -> dict[str, float]:
    """pass^k for k = 1..n from (successes, trials) per dialogue, keyed by str(k).

    Only k up to the smallest trial count is defined for every dialogue.
    """
    if not outcomes:
        return {}
    trials = min(n for _, n in outcomes)
    return {
        str(k): sum(math.comb(c, k) / math.comb(n, k) for c, n in outcomes) / len(outcomes)
        for k in range(1, trials + 1)
    }


def iter_turns(dialogues: Sequence[Record]) -> Iterator[Record]:
    """Every customer-turn record of every trial of every dialogue."""
    for dialogue in dialogues:
        for run in dialogue["runs"]:
            yield from run["turns"]


def _checks(dialogues: Sequence[Record], kind: str | None = None) -> list[Record]:
    return [
        check
        for turn in iter_turns(dialogues)
        for check in turn["checks"]
        if kind is None or check["kind"] == kind
    ]


def pass_rate(checks: Sequence[Record]) -> float:
    """Share of passing checks; 1.0 when there is nothing to check."""
    return sum(1 for check in checks if check["ok"]) / len(checks) if checks else 1.0


def assertion_pass_rate(dialogues: Sequence[Record]) -> float:
    """Passed checks over all checks, leak checks included."""
    return pass_rate(_checks(dialogues))


def tool_match_rate(dialogues: Sequence[Record]) -> float:
    """Share of turns with a tool expectation whose trajectory matched."""
    return pass_rate(_checks(dialogues, "tools"))


def _intent_pair(turn: Record) -> tuple[str, str] | None:
    """(expected, predicted) for the confusion matrix.

    A right answer among several acceptable ones counts as expected; a wrong one is
    charged to the first acceptable intent.
    """
    accepted: list[str] | None = turn.get("expected_intent")
    if not accepted:
        return None
    predicted = turn.get("intent") or NO_INTENT
    return (predicted if predicted in accepted else accepted[0]), predicted


def intents(dialogues: Sequence[Record]) -> dict[str, Any]:
    """Intent accuracy, the confusion matrix and per-intent accuracy with support."""
    pairs = [pair for turn in iter_turns(dialogues) if (pair := _intent_pair(turn))]
    confusion: dict[str, dict[str, int]] = {}
    for expected, predicted in pairs:
        row = confusion.setdefault(expected, {})
        row[predicted] = row.get(predicted, 0) + 1
    seen = {label for pair in pairs for label in pair}
    labels = [label for label in (*INTENTS, NO_INTENT) if label in seen]
    per_intent: dict[str, dict[str, float | int]] = {}
    for label in labels:
        support = sum(confusion.get(label, {}).values())
        if support:
            hits = confusion[label].get(label, 0)
            per_intent[label] = {"accuracy": hits / support, "support": support}
    correct = sum(1 for expected, predicted in pairs if expected == predicted)
    return {
        "accuracy": correct / len(pairs) if pairs else 1.0,
        "labels": labels,
        "confusion": confusion,
        "per_intent": per_intent,
    }


def handoffs(dialogues: Sequence[Record]) -> dict[str, dict[str, float | int]]:
    """Precision, recall and support per department, over turns with a handoff expectation.

    A turn expecting `none` that opens a department is a false positive for it; a turn
    expecting a department that opens another (or none) is a false negative.
    """
    pairs = [
        (turn["expected_handoff"], (turn.get("handoff") or {}).get("department", NO_HANDOFF))
        for turn in iter_turns(dialogues)
        if turn.get("expected_handoff") is not None
    ]
    result: dict[str, dict[str, float | int]] = {}
    for department in DEPARTMENTS:
        tp = sum(1 for e, o in pairs if e == department and o == department)
        predicted = sum(1 for _, o in pairs if o == department)
        support = sum(1 for e, _ in pairs if e == department)
        if predicted or support:
            result[department] = {
                "precision": tp / predicted if predicted else 0.0,
                "recall": tp / support if support else 0.0,
                "support": support,
            }
    return result


def leak_count(dialogues: Sequence[Record]) -> int:
    """Leak strings found in the bot's messages, over all turns and trials."""
    return sum(len(turn.get("leaks") or []) for turn in iter_turns(dialogues))


def llm_usage(dialogues: Sequence[Record]) -> dict[str, float | int]:
    """Model calls, tokens and cost, in total and per customer turn."""
    turns = list(iter_turns(dialogues))
    calls = sum(int(turn["llm"].get("calls", 0)) for turn in turns)
    prompt = sum(int(turn["llm"].get("prompt_tokens", 0)) for turn in turns)
    completion = sum(int(turn["llm"].get("completion_tokens", 0)) for turn in turns)
    cost = sum(float(turn["llm"].get("cost_usd", 0.0)) for turn in turns)
    count = len(turns) or 1
    return {
        "calls": calls,
        "calls_per_turn": calls / count,
        "prompt_tokens_per_turn": prompt / count,
        "completion_tokens_per_turn": completion / count,
        "cost_usd": round(cost, 8),
        "cost_per_turn_usd": round(cost / count, 8),
    }


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between ranks, as numpy does."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency(dialogues: Sequence[Record]) -> dict[str, float]:
    """Turn latency in milliseconds: median, 95th percentile and maximum."""
    values = [float(turn["latency_ms"]) for turn in iter_turns(dialogues)]
    return {
        "p50": round(percentile(values, 50), 3),
        "p95": round(percentile(values, 95), 3),
        "max": round(max(values, default=0.0), 3),
    }


REPLY_CHECKS: tuple[str, ...] = (
    "understood",
    "acknowledges",
    "apologises",
    "no_premature_agreement",
)
"""The good-attendant checks, reported one rate each."""


def reply_check_rates(dialogues: Sequence[Record]) -> dict[str, dict[str, float | int]]:
    """Pass rate and count of each good-attendant check the dataset asks for."""
    rates: dict[str, dict[str, float | int]] = {}
    for kind in REPLY_CHECKS:
        checks = _checks(dialogues, kind)
        if checks:
            rates[kind] = {"rate": pass_rate(checks), "checks": len(checks)}
    return rates


def problem_accuracy(dialogues: Sequence[Record]) -> dict[str, Any]:
    """Problem-type accuracy over turns that expect one, overall and per expected problem."""
    checks = _checks(dialogues, "problem")
    per_problem: dict[str, dict[str, float | int]] = {}
    for check in checks:
        expected = check["expected"]
        label = expected if isinstance(expected, str) else expected[0]
        entry = per_problem.setdefault(label, {"hits": 0, "support": 0})
        entry["support"] += 1
        entry["hits"] += 1 if check["ok"] else 0
    return {
        "accuracy": pass_rate(checks),
        "checks": len(checks),
        "per_problem": {
            label: {"accuracy": e["hits"] / e["support"], "support": e["support"]}
            for label, e in sorted(per_problem.items())
        },
    }


def categories(dialogues: Sequence[Record]) -> dict[str, dict[str, Any]]:
    """pass^k and the assertion pass rate of each category (a dialogue file, by default)."""
    grouped: dict[str, list[Record]] = {}
    for dialogue in dialogues:
        grouped.setdefault(str(dialogue.get("category") or "uncategorised"), []).append(dialogue)
    return {
        name: {
            "dialogues": len(members),
            "pass_hat_k": pass_hat_k([(d["successes"], d["trials"]) for d in members]),
            "assertion_pass_rate": assertion_pass_rate(members),
        }
        for name, members in sorted(grouped.items())
    }


def summarize(dialogues: Sequence[Record], *, customer_turns: int, trials: int) -> dict[str, Any]:
    """The report's `summary` block (thresholds are added by the gate).

    Args:
        dialogues: The dialogue records with their runs.
        customer_turns: Customer turns in the dataset (one trial's worth).
        trials: Trials per dialogue.
    """
    return {
        "dialogues": len(dialogues),
        "turns": customer_turns,
        "trials": trials,
        "pass_hat_k": pass_hat_k([(d["successes"], d["trials"]) for d in dialogues]),
        "assertion_pass_rate": assertion_pass_rate(dialogues),
        "intent_accuracy": intents(dialogues)["accuracy"],
        "problem_accuracy": problem_accuracy(dialogues)["accuracy"],
        "reply_checks": reply_check_rates(dialogues),
        "tool_match_rate": tool_match_rate(dialogues),
        "leaks": leak_count(dialogues),
        "handoff": handoffs(dialogues),
        "llm": llm_usage(dialogues),
        "latency_ms": latency(dialogues),
        "categories": categories(dialogues),
    }
