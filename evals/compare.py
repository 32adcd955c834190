"""Compare two eval reports: which metrics moved and which dialogues regressed.

A change to a prompt, a rule or a model is judged against a baseline run, and a suite-wide
pass rate can stay flat while one dialogue breaks and another is fixed. So the comparison
is per dialogue (matched by id), down to the turn-level checks that flipped, besides the
summary metrics. It reads only report.json files (the runner's `REPORT_FORMAT`), so a
baseline saved by CI weeks ago compares with tonight's run.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from evals.saved_report import (
    DialogueRecord,
    Report,
    RunInfo,
    SummaryRecord,
    load_report,
)

Direction = Literal["better", "worse", "same"]


# The comparison ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MetricDelta:
    """One summary metric in both runs."""

    name: str
    before: float
    after: float
    higher_is_better: bool

    @property
    def delta(self) -> float:
        """After minus before."""
        return self.after - self.before

    @property
    def direction(self) -> Direction:
        """Whether the change is for the better, given which way the metric should go."""
        if abs(self.delta) < 1e-12:
            return "same"
        return "better" if (self.delta > 0) == self.higher_is_better else "worse"


@dataclass(frozen=True, slots=True)
class CheckChange:
    """A turn-level check whose pass rate over the trials changed between the runs."""

    turn: int | None
    """The turn index, or None for a trial-level error (a failed fixture or release)."""
    kind: str
    expected: str
    before: float | None
    """Share of trials where the check passed; None when the run did not have it."""
    after: float | None
    detail: str
    """Why the check failed, from the side where it failed (the newer one if both)."""


@dataclass(frozen=True, slots=True)
class DialogueChange:
    """A dialogue whose success rate moved, with the checks that explain it."""

    id: str
    before: tuple[int, int]
    """(successes, trials) in the baseline."""
    after: tuple[int, int]
    checks: tuple[CheckChange, ...]

    @property
    def before_rate(self) -> float:
        """Baseline success rate."""
        return self.before[0] / self.before[1]

    @property
    def after_rate(self) -> float:
        """New success rate."""
        return self.after[0] / self.after[1]


@dataclass(frozen=True, slots=True)
class Comparison:
    """Everything that differs between a baseline report and a new one."""

    before: RunInfo
    after: RunInfo
    metrics: tuple[MetricDelta, ...]
    regressions: tuple[DialogueChange, ...]
    improvements: tuple[DialogueChange, ...]
    only_before: tuple[str, ...]
    only_after: tuple[str, ...]
    common: int
    """Dialogues present in both runs."""

    @property
    def has_regressions(self) -> bool:
        """True when any dialogue passes less often than in the baseline."""
        return bool(self.regressions)

    def as_json(self) -> dict[str, Any]:
        """The comparison as plain JSON data, with each metric's delta and direction."""
        data = asdict(self)
        data["before"] = self.before.model_dump()
        data["after"] = self.after.model_dump()
        data["metrics"] = [
            {**asdict(metric), "delta": metric.delta, "direction": metric.direction}
            for metric in self.metrics
        ]
        data["has_regressions"] = self.has_regressions
        return data


def metric_deltas(before: SummaryRecord, after: SummaryRecord) -> tuple[MetricDelta, ...]:
    """The summary metrics side by side: pass^k for every k both runs have, then the rest."""
    common_k = sorted(set(before.pass_hat_k) & set(after.pass_hat_k), key=int)
    deltas = [
        MetricDelta(f"pass^{k}", before.pass_hat_k[k], after.pass_hat_k[k], True) for k in common_k
    ]
    pairs: list[tuple[str, float, float, bool]] = [
        ("assertion_pass_rate", before.assertion_pass_rate, after.assertion_pass_rate, True),
        ("intent_accuracy", before.intent_accuracy, after.intent_accuracy, True),
        ("tool_match_rate", before.tool_match_rate, after.tool_match_rate, True),
        ("leaks", before.leaks, after.leaks, False),
        ("llm_calls_per_turn", before.llm.calls_per_turn, after.llm.calls_per_turn, False),
        ("cost_per_turn_usd", before.llm.cost_per_turn_usd, after.llm.cost_per_turn_usd, False),
        ("latency_p50_ms", before.latency_ms.p50, after.latency_ms.p50, False),
        ("latency_p95_ms", before.latency_ms.p95, after.latency_ms.p95, False),
    ]
    deltas.extend(MetricDelta(name, float(a), float(b), better) for name, a, b, better in pairs)
    return tuple(deltas)


CheckKey = tuple[int | None, str, str]
"""(turn index, kind, expected as text): the same check across trials and runs."""


def _expected_text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _check_outcomes(dialogue: DialogueRecord) -> dict[CheckKey, list[tuple[bool, str]]]:
    """Every check of every trial, grouped by what it checks, with its failure detail."""
    outcomes: dict[CheckKey, list[tuple[bool, str]]] = {}
    for run in dialogue.runs:
        for turn in run.turns:
            for check in turn.checks:
                key = (turn.index, check.kind, _expected_text(check.expected))
                outcomes.setdefault(key, []).append((check.ok, check.detail))
        for error in run.errors:
            outcomes.setdefault((None, "error", ""), []).append((False, error))
    return outcomes


def _rate(results: Sequence[tuple[bool, str]] | None) -> float | None:
    if not results:
        return None
    return sum(1 for ok, _ in results if ok) / len(results)


def _failure(results: Sequence[tuple[bool, str]] | None) -> str:
    return next((detail for ok, detail in results or () if not ok), "")


def check_changes(before: DialogueRecord, after: DialogueRecord) -> tuple[CheckChange, ...]:
    """The checks of one dialogue whose pass rate differs, in turn order.

    A check only one run has (the dialogue was edited in between) counts as changed when
    it failed somewhere, so a new failing expectation is never hidden.
    """
    old, new = _check_outcomes(before), _check_outcomes(after)
    changes = []
    for key in sorted(old.keys() | new.keys(), key=lambda k: (-1 if k[0] is None else k[0], k)):
        rate_before, rate_after = _rate(old.get(key)), _rate(new.get(key))
        if rate_before == rate_after or {rate_before, rate_after} <= {1.0, None}:
            continue
        detail = _failure(new.get(key)) or _failure(old.get(key))
        changes.append(CheckChange(key[0], key[1], key[2], rate_before, rate_after, detail))
    return tuple(changes)


def compare(before: Report, after: Report) -> Comparison:
    """Compare a baseline report with a new one.

    A dialogue regresses when its success rate (passing trials over trials) goes down:
    passed → failed with one trial, 3/3 → 2/3 with several. It improves when it goes up.
    """
    old = {dialogue.id: dialogue for dialogue in before.dialogues}
    new = {dialogue.id: dialogue for dialogue in after.dialogues}
    regressions: list[DialogueChange] = []
    improvements: list[DialogueChange] = []
    common = [dialogue_id for dialogue_id in old if dialogue_id in new]
    for dialogue_id in common:
        a, b = old[dialogue_id], new[dialogue_id]
        if a.rate == b.rate:
            continue
        change = DialogueChange(
            dialogue_id, (a.successes, a.trials), (b.successes, b.trials), check_changes(a, b)
        )
        (regressions if b.rate < a.rate else improvements).append(change)
    return Comparison(
        before=before.run,
        after=after.run,
        metrics=metric_deltas(before.summary, after.summary),
        regressions=tuple(regressions),
        improvements=tuple(improvements),
        only_before=tuple(dialogue_id for dialogue_id in old if dialogue_id not in new),
        only_after=tuple(dialogue_id for dialogue_id in new if dialogue_id not in old),
        common=len(common),
    )


def compare_files(before: Path, after: Path) -> Comparison:
    """Load two reports and compare them.

    Raises:
        ReportError: either report cannot be read.
    """
    return compare(load_report(before), load_report(after))


def summary_line(comparison: Comparison) -> str:
    """One line for logs and CI: how many dialogues regressed, improved, appeared or went."""
    return (
        f"{comparison.common} dialogues in both runs: {len(comparison.regressions)} regressed, "
        f"{len(comparison.improvements)} improved; {len(comparison.only_before)} only in the "
        f"baseline, {len(comparison.only_after)} only in the new run"
    )


def rate_text(pair: tuple[int, int]) -> str:
    """'passed'/'failed' for one trial, 'c/n' for several."""
    successes, trials = pair
    if trials == 1:
        return "passed" if successes else "failed"
    return f"{successes}/{trials}"
