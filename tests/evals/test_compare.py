"""`eval compare` on hand-made reports: metric deltas, regressions, lone dialogues, the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli import app
from evals.compare import CheckChange, compare, compare_files, metric_deltas
from evals.runner import REPORT_FORMAT
from evals.saved_report import Report, ReportError, load_report


def check(kind: str, ok: bool, expected: Any = None, detail: str = "") -> dict[str, Any]:
    return {"kind": kind, "ok": ok, "expected": expected, "detail": detail}


def run(*turns: list[dict[str, Any]], errors: list[str] | None = None) -> dict[str, Any]:
    records = [
        {"index": index, "checks": checks, "passed": all(c["ok"] for c in checks)}
        for index, checks in enumerate(turns)
    ]
    return {
        "passed": not errors and all(r["passed"] for r in records),
        "turns": records,
        "errors": errors or [],
    }


def dialogue(dialogue_id: str, *runs: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": dialogue_id,
        "trials": len(runs),
        "successes": sum(1 for r in runs if r["passed"]),
        "runs": list(runs),
    }


def report(*dialogues: dict[str, Any], **summary: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "pass_hat_k": {"1": 1.0},
        "assertion_pass_rate": 1.0,
        "intent_accuracy": 1.0,
        "tool_match_rate": 1.0,
        "leaks": 0,
        "llm": {"calls_per_turn": 0.0, "cost_per_turn_usd": 0.0},
        "latency_ms": {"p50": 40.0, "p95": 100.0, "max": 200.0},
    }
    base.update(summary)
    return {
        "format": REPORT_FORMAT,
        "run": {"brain": "rules", "model": None, "trials": 1, "started_at": "2026-12-01T10:00Z"},
        "summary": base,
        "dialogues": list(dialogues),
    }


def write(tmp_path: Path, name: str, data: dict[str, Any]) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "report.json").write_text(json.dumps(data), encoding="utf-8")
    return folder


PASS = [check("intent", True, ["order_status"]), check("contains", True, "AA123456785BR")]
FAIL_REPLY = [
    check("intent", True, ["order_status"]),
    check("contains", False, "AA123456785BR", "not found"),
]


def parsed(data: dict[str, Any]) -> Report:
    return Report.model_validate(data)


def test_a_dialogue_that_stops_passing_is_a_regression_with_the_flipped_check() -> None:
    before = parsed(report(dialogue("order", run([], PASS)), dialogue("steady", run(PASS))))
    after = parsed(report(dialogue("order", run([], FAIL_REPLY)), dialogue("steady", run(PASS))))

    result = compare(before, after)

    assert result.has_regressions
    assert [change.id for change in result.regressions] == ["order"]
    assert result.improvements == ()
    change = result.regressions[0]
    assert (change.before, change.after) == ((1, 1), (0, 1))
    assert change.checks == (CheckChange(1, "contains", "AA123456785BR", 1.0, 0.0, "not found"),)
    assert result.common == 2


def test_a_dialogue_that_starts_passing_is_an_improvement() -> None:
    before = parsed(report(dialogue("order", run(FAIL_REPLY))))
    after = parsed(report(dialogue("order", run(PASS))))

    result = compare(before, after)

    assert not result.has_regressions
    assert [change.id for change in result.improvements] == ["order"]
    assert result.improvements[0].checks[0].detail == "not found"
    assert (result.improvements[0].checks[0].before, result.improvements[0].checks[0].after) == (
        0.0,
        1.0,
    )


def test_dialogues_only_in_one_run_are_listed_not_scored() -> None:
    before = parsed(report(dialogue("kept", run(PASS)), dialogue("dropped", run(PASS))))
    after = parsed(report(dialogue("kept", run(PASS)), dialogue("added", run(FAIL_REPLY))))

    result = compare(before, after)

    assert result.only_before == ("dropped",)
    assert result.only_after == ("added",)
    assert not result.has_regressions and result.common == 1


def test_with_several_trials_a_lower_success_rate_is_a_regression() -> None:
    before = parsed(report(dialogue("flaky", run(PASS), run(PASS), run(PASS))))
    after = parsed(report(dialogue("flaky", run(PASS), run(FAIL_REPLY), run(PASS))))

    result = compare(before, after)

    change = result.regressions[0]
    assert (change.before, change.after) == ((3, 3), (2, 3))
    assert change.before_rate == 1.0 and change.after_rate == pytest.approx(2 / 3)
    (flipped,) = change.checks
    assert (flipped.turn, flipped.kind, flipped.before) == (0, "contains", 1.0)
    assert flipped.after == pytest.approx(2 / 3)


def test_more_passing_trials_is_an_improvement_and_equal_rates_are_no_change() -> None:
    before = parsed(
        report(dialogue("up", run(FAIL_REPLY), run(PASS)), dialogue("same", run(PASS), run(PASS)))
    )
    after = parsed(
        report(dialogue("up", run(PASS), run(PASS)), dialogue("same", run(PASS), run(PASS)))
    )

    result = compare(before, after)

    assert [c.id for c in result.improvements] == ["up"]
    assert result.regressions == ()


def test_a_trial_error_and_a_new_failing_check_show_as_changes() -> None:
    before = parsed(report(dialogue("broken", run(PASS))))
    edited = [*PASS, check("regex", False, "extravi", "no match")]
    after = parsed(report(dialogue("broken", run(edited, errors=["turn 1 (release): Boom"]))))

    result = compare(before, after)

    kinds = [(c.turn, c.kind, c.before, c.after) for c in result.regressions[0].checks]
    assert kinds == [(None, "error", None, 0.0), (0, "regex", None, 0.0)]


def test_metric_deltas_know_which_way_is_better() -> None:
    before = parsed(
        report(
            pass_hat_k={"1": 0.9, "2": 0.8, "3": 0.7},
            intent_accuracy=0.95,
            leaks=1,
            latency_ms={"p50": 40.0, "p95": 100.0},
            llm={"calls_per_turn": 1.0, "cost_per_turn_usd": 0.002},
        )
    )
    after = parsed(
        report(
            pass_hat_k={"1": 0.95, "2": 0.8},
            intent_accuracy=0.90,
            leaks=0,
            latency_ms={"p50": 50.0, "p95": 90.0},
            llm={"calls_per_turn": 1.5, "cost_per_turn_usd": 0.001},
        )
    )

    deltas = {m.name: m for m in metric_deltas(before.summary, after.summary)}

    assert "pass^3" not in deltas, "pass^k only for k both runs have"
    assert deltas["pass^1"].delta == pytest.approx(0.05)
    expected = {
        "pass^1": "better",
        "pass^2": "same",
        "intent_accuracy": "worse",
        "leaks": "better",
        "latency_p50_ms": "worse",
        "latency_p95_ms": "better",
        "llm_calls_per_turn": "worse",
        "cost_per_turn_usd": "better",
        "assertion_pass_rate": "same",
        "tool_match_rate": "same",
    }
    assert {name: metric.direction for name, metric in deltas.items()} == expected


def test_as_json_round_trips_through_json() -> None:
    before = parsed(report(dialogue("order", run(PASS))))
    after = parsed(report(dialogue("order", run(FAIL_REPLY))))

    data = json.loads(json.dumps(compare(before, after).as_json()))

    assert data["has_regressions"] is True
    assert data["regressions"][0]["id"] == "order"
    assert data["regressions"][0]["checks"][0]["kind"] == "contains"
    assert data["metrics"][0] | {"delta": 0.0} == {
        "name": "pass^1",
        "before": 1.0,
        "after": 1.0,
        "higher_is_better": True,
        "delta": 0.0,
        "direction": "same",
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        (json.dumps({"format": "atendente-eval-report/0"}), "unsupported format"),
        (json.dumps({"format": REPORT_FORMAT, "run": {"brain": "rules"}}), "summary"),
    ],
)
def test_unreadable_reports_raise_one_clear_error(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "report.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")

    with pytest.raises(ReportError, match=message) as raised:
        load_report(path)

    assert str(path) in str(raised.value)


def test_duplicate_dialogue_ids_are_refused(tmp_path: Path) -> None:
    folder = write(tmp_path, "a", report(dialogue("twice", run(PASS)), dialogue("twice", run())))

    with pytest.raises(ReportError, match="'twice' appears twice"):
        compare_files(folder, folder)


# The command line ---------------------------------------------------------------------------


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, ["eval", "compare", *args])


def test_cli_exits_0_without_regressions_and_writes_json_and_markdown(tmp_path: Path) -> None:
    a = write(tmp_path, "a", report(dialogue("order", run(FAIL_REPLY)), dialogue("gone", run())))
    b = write(tmp_path, "b", report(dialogue("order", run(PASS)), pass_hat_k={"1": 1.0}))
    out_json, out_md = tmp_path / "out" / "compare.json", tmp_path / "out" / "compare.md"

    result = invoke(
        str(a), str(b / "report.json"), "--json", str(out_json), "--markdown", str(out_md)
    )

    assert result.exit_code == 0, result.output
    assert "Improvements" in result.output and "only in the baseline: gone" in result.output
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert data["improvements"][0]["id"] == "order" and data["only_before"] == ["gone"]
    markdown = out_md.read_text(encoding="utf-8")
    assert markdown.startswith("## Eval comparison: ✅ no regressions")
    assert "| `order` | failed | passed | turn 0 contains AA123456785BR (0% → 100%)" in markdown


def test_cli_exits_1_on_a_regression(tmp_path: Path) -> None:
    a = write(tmp_path, "a", report(dialogue("order", run(PASS))))
    b = write(tmp_path, "b", report(dialogue("order", run(FAIL_REPLY)), pass_hat_k={"1": 0.0}))
    out_md = tmp_path / "compare.md"

    result = invoke(str(a), str(b), "--markdown", str(out_md))

    assert result.exit_code == 1, result.output
    assert "Regressions" in result.output and "order" in result.output
    assert "1 regressed" in result.output
    assert "❌ regressions" in out_md.read_text(encoding="utf-8")


def test_cli_exits_2_on_an_unreadable_report(tmp_path: Path) -> None:
    a = write(tmp_path, "a", report(dialogue("order", run(PASS))))
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "something-else"}', encoding="utf-8")

    missing = invoke(str(a), str(tmp_path / "nowhere"))
    foreign = invoke(str(broken), str(a))

    assert missing.exit_code == 2 and "no such file" in missing.output
    assert foreign.exit_code == 2 and "unsupported format 'something-else'" in foreign.output
    assert "Traceback" not in missing.output + foreign.output
