"""The summary `atendente eval run` prints: the numbers and which dialogues failed, briefly.

The saved reports hold the details; the terminal only has to say whether to open them.
Untrusted text (dialogue ids, check details) goes into `rich.text.Text`, never markup.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from evals.report import view

MAX_FAILED_ROWS = 15
"""Failed trials listed before the rest is counted; the full list is in report.md."""
MAX_DETAIL = 70


def _shorten(text: str, limit: int = MAX_DETAIL) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def summary_table(report: view.Report) -> Table:
    """Every summary metric, one per row."""
    table = Table(title="Summary", title_justify="left", show_header=False)
    table.add_column("metric", style="bold")
    table.add_column("value", justify="right")
    for name, value in view.summary_rows(report):
        table.add_row(Text(name), Text(value))
    return table


def _first_failure(run: view.FailedRun) -> str:
    if run.errors:
        return f"trial error: {run.errors[0]}"
    first = next(
        (f"turn {t.index} {kind}: {detail}" for t in run.turns for kind, detail in t.checks),
        None,
    )
    return first or "failed"


def failures_table(failed: list[view.FailedRun]) -> Table:
    """One row per failed trial: the dialogue, its pass count and its first failed check."""
    table = Table(title="Failed dialogues", title_justify="left")
    table.add_column("dialogue", overflow="fold")
    table.add_column("passed", justify="right")
    table.add_column("first failure")
    table.add_column("more", justify="right")
    for run in failed[:MAX_FAILED_ROWS]:
        trial = f" (trial {run.trial + 1})" if run.trials > 1 else ""
        extra = len(run.errors) + sum(len(turn.checks) for turn in run.turns) - 1
        table.add_row(
            Text(run.dialogue + trial),
            Text(f"{run.successes}/{run.trials}"),
            Text(_shorten(_first_failure(run))),
            Text(f"+{extra}" if extra > 0 else ""),
        )
    return table


def print_summary(report: view.Report, console: Console) -> None:
    """Print the run's headline, its metrics and its failed dialogues to `console`."""
    console.print(view.headline(report), highlight=False, markup=False)
    console.print(summary_table(report))
    failed = view.failures(report)
    if not failed:
        console.print("No failed dialogues.", highlight=False, markup=False)
        return
    console.print(failures_table(failed))
    hidden = len(failed) - MAX_FAILED_ROWS
    if hidden > 0:
        console.print(
            f"… and {hidden} more failed trial(s), listed in report.md",
            highlight=False,
            markup=False,
        )
