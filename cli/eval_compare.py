"""`atendente eval compare`: a new run against a baseline, with a gate on regressions.

It exits 1 when any dialogue passes less often than in the baseline, so CI can require
"no regressions" without a suite-wide threshold hiding one broken dialogue behind a fixed
one; 2 when a report cannot be read. `--markdown` writes the same tables for a PR comment.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli.failure import CommandFailure
from evals.compare import (
    CheckChange,
    Comparison,
    DialogueChange,
    MetricDelta,
    compare_files,
    rate_text,
    summary_line,
)
from evals.report.markdown import escape, table
from evals.saved_report import ReportError

_COLORS = {"better": "green", "worse": "red", "same": "dim"}
_ARROWS = {"better": "▲", "worse": "▼", "same": ""}


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() and abs(value) >= 1 else f"{value:.4g}"


def _delta(metric: MetricDelta) -> str:
    if metric.direction == "same":
        return "="
    sign = "+" if metric.delta > 0 else ""
    return f"{sign}{_number(metric.delta)} {_ARROWS[metric.direction]}"


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _check_text(check: CheckChange) -> str:
    where = "trial" if check.turn is None else f"turn {check.turn}"
    expected = f" {check.expected}" if check.expected else ""
    detail = f": {check.detail}" if check.detail else ""
    return (
        f"{where} {check.kind}{expected} ({_share(check.before)} → {_share(check.after)}){detail}"
    )


def _run_label(comparison: Comparison, side: str) -> str:
    run = comparison.before if side == "before" else comparison.after
    model = f" {run.model}" if run.model else ""
    return f"{run.brain}{model}, {run.trials} trial(s), {run.started_at or 'unknown date'}"


def _metrics_table(comparison: Comparison) -> Table:
    table = Table(title="Metrics")
    table.add_column("metric")
    table.add_column("baseline", justify="right")
    table.add_column("new", justify="right")
    table.add_column("Δ", justify="right")
    for metric in comparison.metrics:
        color = _COLORS[metric.direction]
        table.add_row(
            metric.name,
            _number(metric.before),
            _number(metric.after),
            f"[{color}]{_delta(metric)}[/{color}]",
        )
    return table


def _changes_table(title: str, changes: tuple[DialogueChange, ...], color: str) -> Table:
    table = Table(title=title, title_style=color)
    table.add_column("dialogue")
    table.add_column("baseline")
    table.add_column("new")
    table.add_column("checks that changed")
    for change in changes:
        table.add_row(
            change.id,
            rate_text(change.before),
            rate_text(change.after),
            "\n".join(_check_text(check) for check in change.checks) or "—",
            style=color,
        )
    return table


def print_comparison(comparison: Comparison, console: Console) -> None:
    """The comparison as rich tables: metrics, regressions, improvements, lone dialogues."""
    console.print(f"baseline: {_run_label(comparison, 'before')}", highlight=False)
    console.print(f"new:      {_run_label(comparison, 'after')}", highlight=False)
    console.print(_metrics_table(comparison))
    if comparison.regressions:
        console.print(_changes_table("Regressions", comparison.regressions, "red"))
    if comparison.improvements:
        console.print(_changes_table("Improvements", comparison.improvements, "green"))
    if comparison.only_before:
        console.print(f"only in the baseline: {', '.join(comparison.only_before)}", highlight=False)
    if comparison.only_after:
        console.print(f"only in the new run: {', '.join(comparison.only_after)}", highlight=False)
    console.print(summary_line(comparison), highlight=False)


def _md_changes(title: str, changes: tuple[DialogueChange, ...]) -> list[str]:
    rows = [
        (
            f"`{change.id}`",
            rate_text(change.before),
            rate_text(change.after),
            "<br>".join(escape(_check_text(check)) for check in change.checks) or "—",
        )
        for change in changes
    ]
    return [
        f"### {title} ({len(changes)})",
        "",
        *table(("dialogue", "baseline", "new", "checks"), rows),
        "",
    ]


def comparison_markdown(comparison: Comparison) -> str:
    """The comparison as a Markdown document, sized for a pull-request comment."""
    verdict = "❌ regressions" if comparison.has_regressions else "✅ no regressions"
    lines = [
        f"## Eval comparison: {verdict}",
        "",
        f"- baseline: {escape(_run_label(comparison, 'before'))}",
        f"- new: {escape(_run_label(comparison, 'after'))}",
        f"- {summary_line(comparison)}",
        "",
        *table(
            ("metric", "baseline", "new", "Δ"),
            [(m.name, _number(m.before), _number(m.after), _delta(m)) for m in comparison.metrics],
            align="lrrr",
        ),
        "",
    ]
    if comparison.regressions:
        lines.extend(_md_changes("Regressions", comparison.regressions))
    if comparison.improvements:
        lines.extend(_md_changes("Improvements", comparison.improvements))
    for title, ids in (
        ("Only in the baseline", comparison.only_before),
        ("Only in the new run", comparison.only_after),
    ):
        if ids:
            lines.extend([f"### {title} ({len(ids)})", "", *(f"- `{i}`" for i in ids), ""])
    return "\n".join(lines).rstrip() + "\n"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def compare(
    baseline: Annotated[
        Path, typer.Argument(help="The baseline: a report.json or the directory holding it.")
    ],
    new: Annotated[
        Path, typer.Argument(help="The new run: a report.json or the directory holding it.")
    ],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the comparison as JSON to this file.")
    ] = None,
    markdown: Annotated[
        Path | None, typer.Option(help="Write the comparison as Markdown (for a PR comment).")
    ] = None,
) -> None:
    """Compare two eval runs; exit 1 if any dialogue regressed, 2 if a report is unreadable."""
    try:
        comparison = compare_files(baseline, new)
    except ReportError as error:
        raise CommandFailure("atendente eval compare")(error) from None
    print_comparison(comparison, Console())
    if json_out is not None:
        _write(json_out, json.dumps(comparison.as_json(), ensure_ascii=False, indent=2) + "\n")
    if markdown is not None:
        _write(markdown, comparison_markdown(comparison))
    if comparison.has_regressions:
        raise typer.Exit(1)
