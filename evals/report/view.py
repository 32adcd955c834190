"""What every report format shows, read once from report.json's data.

The Markdown, HTML and terminal reports render the same rows from here, so a number can
never read one way in the terminal and another in the saved report. Everything reads the
plain JSON dict (a report saved earlier renders the same) and tolerates missing blocks:
a report from `run_suite` without the gate, a run with no turns, a run with no judge.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evals.metrics import iter_turns

Report = Mapping[str, Any]
MISSING = "—"
"""Shown for a value the run did not have (no model on the rules brain, no prompt version)."""
TEXT_CHECKS = frozenset({"contains", "not_contains", "regex"})
"""Reply checks whose detail ("not found") only makes sense beside the expected text."""


@dataclass(frozen=True, slots=True)
class FailedTurn:
    """One customer turn that failed, with only its failed checks."""

    index: int
    say: str
    media: str | None
    reply: str
    checks: list[tuple[str, str]]
    """(kind, detail) of each failed check."""


@dataclass(frozen=True, slots=True)
class FailedRun:
    """One failed trial of one dialogue: what broke, turn by turn."""

    dialogue: str
    description: str
    trial: int
    trials: int
    successes: int
    errors: list[str]
    """Trial-level errors: a fixture that could not be built, a release that raised."""
    turns: list[FailedTurn]


def rate(value: Any) -> str:
    """A share in [0, 1] with three decimals, the precision the thresholds use."""
    return f"{float(value):.3f}"


def number(value: Any, digits: int = 1) -> str:
    """A count or a mean, without trailing noise."""
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.{digits}f}"


def usd(value: Any) -> str:
    """A cost in US dollars; model costs per turn are fractions of a cent."""
    return f"${float(value):.6f}"


def verdict(report: Report) -> str:
    """The thresholds gate in one line: met, missed (and which), or not checked."""
    gate = report.get("summary", {}).get("thresholds")
    if gate is None:
        return "not checked"
    source = gate.get("source")
    if gate.get("passed"):
        return f"met ({source})" if source else "no thresholds for this brain"
    misses = "; ".join(gate.get("misses") or [])
    return f"missed ({source}): {misses}" if source else f"missed: {misses}"


def thresholds_passed(report: Report) -> bool | None:
    """True or False after the gate ran, None when the report was never gated."""
    gate = report.get("summary", {}).get("thresholds")
    return None if gate is None else bool(gate.get("passed"))


def run_rows(report: Report) -> list[tuple[str, str]]:
    """The run header: what was evaluated, on what, and how long it took."""
    run = report.get("run", {})

    def shown(key: str) -> str:
        value = run.get(key)
        return MISSING if value in (None, "") else str(value)

    return [
        ("brain", shown("brain")),
        ("model", shown("model")),
        ("trials", shown("trials")),
        ("dataset", shown("dataset")),
        ("prompt version", shown("prompt_version")),
        ("mode", shown("mode")),
        ("started at", shown("started_at")),
        ("seconds", f"{float(run.get('seconds', 0.0)):.1f}"),
        ("thresholds", verdict(report)),
    ]


def headline(report: Report) -> str:
    """The run in one sentence, for the top of the terminal summary."""
    summary = report.get("summary", {})
    seconds = float(report.get("run", {}).get("seconds", 0.0))
    return (
        f"{summary.get('dialogues', 0)} dialogues, {summary.get('turns', 0)} turns, "
        f"{summary.get('trials', 1)} trial(s) in {seconds:.1f}s"
    )


def summary_rows(report: Report) -> list[tuple[str, str]]:
    """Every summary metric as (name, value), in reading order.

    Handoffs get one row per department that was expected or opened, since a department
    that is never expected nor opened has nothing to measure.
    """
    summary = report.get("summary", {})
    rows = [
        ("dialogues", str(summary.get("dialogues", 0))),
        ("turns per trial", str(summary.get("turns", 0))),
        ("trials", str(summary.get("trials", 1))),
    ]
    rows += [(f"pass^{k}", rate(v)) for k, v in summary.get("pass_hat_k", {}).items()]
    rows += [
        ("assertion pass rate", rate(summary.get("assertion_pass_rate", 1.0))),
        ("intent accuracy", rate(summary.get("intent_accuracy", 1.0))),
        ("problem accuracy", rate(summary.get("problem_accuracy", 1.0))),
        ("tool match rate", rate(summary.get("tool_match_rate", 1.0))),
        ("leaks", str(summary.get("leaks", 0))),
    ]
    for kind, scores in summary.get("reply_checks", {}).items():
        rows.append(
            (
                f"reply: {kind.replace('_', ' ')}",
                f"{rate(scores['rate'])} ({scores['checks']} checks)",
            )
        )
    for name, scores in summary.get("categories", {}).items():
        first = next(iter(scores.get("pass_hat_k", {}).items()), ("1", 1.0))
        rows.append(
            (
                f"category {name}",
                f"pass^{first[0]} {rate(first[1])}, assertions "
                f"{rate(scores['assertion_pass_rate'])} ({scores['dialogues']} dialogues)",
            )
        )
    if summary.get("judge_pass_rate") is not None:
        rows.append(("judge pass rate", rate(summary["judge_pass_rate"])))
    for department, scores in summary.get("handoff", {}).items():
        rows.append(
            (
                f"handoff {department}",
                f"precision {rate(scores['precision'])}, recall {rate(scores['recall'])} "
                f"(support {scores['support']})",
            )
        )
    llm = summary.get("llm", {})
    rows += [
        ("LLM calls per turn", number(llm.get("calls_per_turn", 0), 2)),
        ("prompt tokens per turn", number(llm.get("prompt_tokens_per_turn", 0))),
        ("completion tokens per turn", number(llm.get("completion_tokens_per_turn", 0))),
        ("cost per turn", usd(llm.get("cost_per_turn_usd", 0.0))),
        ("cost in total", usd(llm.get("cost_usd", 0.0))),
    ]
    latency = summary.get("latency_ms", {})
    rows += [
        (f"latency {name}", f"{float(latency.get(name, 0.0)):.1f} ms")
        for name in ("p50", "p95", "max")
    ]
    return rows


def intent_rows(report: Report) -> list[tuple[str, float, int]]:
    """(intent, accuracy, support) for every intent the dataset expects, in label order."""
    per_intent = report.get("intents", {}).get("per_intent", {})
    return [
        (label, float(scores["accuracy"]), int(scores["support"]))
        for label, scores in per_intent.items()
    ]


def problem_rows(report: Report) -> list[tuple[str, float, int]]:
    """(problem, accuracy, support) for every problem type the dataset expects."""
    return [
        (label, float(scores["accuracy"]), int(scores["support"]))
        for label, scores in report.get("problems", {}).items()
    ]


def confusion(report: Report) -> tuple[list[str], dict[str, dict[str, int]]]:
    """The confusion matrix's labels (both axes) and counts, expected -> predicted -> n."""
    intents = report.get("intents", {})
    return list(intents.get("labels", [])), dict(intents.get("confusion", {}))


def latencies(report: Report) -> list[float]:
    """Every customer turn's latency in milliseconds, over all trials."""
    return [float(turn["latency_ms"]) for turn in iter_turns(report.get("dialogues", []))]


def _check_detail(check: Mapping[str, Any]) -> str:
    """Why the check failed; reply checks name the text they looked for."""
    if check.get("detail"):
        if check.get("kind") in TEXT_CHECKS:
            return f"{check.get('expected')!r} {check['detail']}"
        return str(check["detail"])
    return f"expected {check.get('expected')!r}, got {check.get('actual')!r}"


def _failed_turns(turns: Sequence[Mapping[str, Any]]) -> Iterator[FailedTurn]:
    for turn in turns:
        checks = [
            (str(check["kind"]), _check_detail(check))
            for check in turn.get("checks", [])
            if not check.get("ok")
        ]
        if checks or not turn.get("passed", True):
            yield FailedTurn(
                index=int(turn["index"]),
                say=str(turn.get("say", "")),
                media=turn.get("media"),
                reply=str(turn.get("reply", "")),
                checks=checks,
            )


def failures(report: Report) -> list[FailedRun]:
    """Every failed trial, in dataset order, with its failed turns and trial errors."""
    failed: list[FailedRun] = []
    for dialogue in report.get("dialogues", []):
        for run in dialogue.get("runs", []):
            if run.get("passed"):
                continue
            failed.append(
                FailedRun(
                    dialogue=str(dialogue["id"]),
                    description=str(dialogue.get("description", "")),
                    trial=int(run.get("trial", 0)),
                    trials=int(dialogue.get("trials", 1)),
                    successes=int(dialogue.get("successes", 0)),
                    errors=[str(error) for error in run.get("errors", [])],
                    turns=list(_failed_turns(run.get("turns", []))),
                )
            )
    return failed


def failed_dialogues(report: Report) -> int:
    """Dialogues with at least one failed trial."""
    return len({run.dialogue for run in failures(report)})


def judge_blocks(judge: Any) -> tuple[list[tuple[str, str]], dict[str, list[dict[str, str]]]]:
    """The judge's results as (name, value) scalars and named tables of rows.

    The judge's own format belongs to the judge, so any JSON is shown as it is: scalar
    leaves by dotted path, lists of objects as tables with the union of their keys.
    """
    scalars: list[tuple[str, str]] = []
    tables: dict[str, list[dict[str, str]]] = {}

    def cell(value: Any) -> str:
        if isinstance(value, float):
            return rate(value) if 0.0 <= value <= 1.0 else f"{value:g}"
        if isinstance(value, list | tuple):
            return ", ".join(cell(item) for item in value)
        return MISSING if value is None else str(value)

    def walk(value: Any, path: str) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                walk(inner, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            tables[path or "results"] = [
                {str(key): cell(inner) for key, inner in row.items()} for row in value
            ]
        else:
            scalars.append((path or "judge", cell(value)))

    if judge is not None:
        walk(judge, "")
    return scalars, tables


def columns(rows: Sequence[Mapping[str, str]]) -> list[str]:
    """The union of the rows' keys, in first-seen order, for a table's header."""
    return list(dict.fromkeys(key for row in rows for key in row))
