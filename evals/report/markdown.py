"""report.md: the run for a pull request or a chat message, readable as plain text too."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

from evals.report import view

FILENAME = "report.md"
_MARKDOWN_SPECIALS = str.maketrans({c: f"\\{c}" for c in "\\`*_[]|#"})


def escape(text: str) -> str:
    """Untrusted text made safe for one Markdown table cell.

    Customers type anything: HTML is escaped so a renderer shows it instead of running it,
    Markdown markup is escaped so it cannot restyle the report, and line breaks become
    `<br>` so a burst of messages stays in its cell.
    """
    escaped = html.escape(text, quote=False).translate(_MARKDOWN_SPECIALS)
    return "<br>".join(escaped.splitlines()) if escaped else ""


def table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> list[str]:
    """A Markdown table; `align` holds one of l, r per column (left by default)."""
    marks = [("---:" if a == "r" else "---") for a in align.ljust(len(header), "l")]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(marks) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _header(report: view.Report) -> list[str]:
    lines = ["# Eval report", ""]
    lines += [f"- **{name}**: {escape(value)}" for name, value in view.run_rows(report)]
    misses = report.get("summary", {}).get("thresholds", {}).get("misses") or []
    lines += [f"  - missed: {escape(miss)}" for miss in misses]
    return lines


def _intents(report: view.Report) -> list[str]:
    rows = view.intent_rows(report)
    if not rows:
        return ["## Intents", "", "No turn expected an intent."]
    body = [[f"`{label}`", view.rate(accuracy), str(support)] for label, accuracy, support in rows]
    return ["## Intents", "", *table(["intent", "accuracy", "support"], body, "lrr")]


def _problems(report: view.Report) -> list[str]:
    rows = view.problem_rows(report)
    if not rows:
        return []
    body = [[f"`{label}`", view.rate(accuracy), str(support)] for label, accuracy, support in rows]
    return ["## Problems", "", *table(["problem", "accuracy", "support"], body, "lrr"), ""]


def _failed_run(run: view.FailedRun) -> list[str]:
    trial = f", trial {run.trial + 1} of {run.trials}" if run.trials > 1 else ""
    lines = [
        f"### {escape(run.dialogue)}{trial}",
        "",
        f"{escape(run.description)} ({run.successes}/{run.trials} trials passed)",
        "",
    ]
    lines += [f"- trial error: {escape(error)}" for error in run.errors]
    if run.errors:
        lines.append("")
    rows = [
        [
            str(turn.index),
            escape(turn.say) or f"({turn.media or 'nothing'})",
            "<br>".join(f"**{kind}**: {escape(detail)}" for kind, detail in turn.checks),
            escape(turn.reply) or "(silent)",
        ]
        for turn in run.turns
    ]
    if rows:
        lines += [*table(["turn", "customer said", "failed checks", "reply"], rows, "r"), ""]
    return lines


def _failures(report: view.Report) -> list[str]:
    failed = view.failures(report)
    if not failed:
        return ["## Failed dialogues", "", "None: every trial of every dialogue passed."]
    lines = [
        "## Failed dialogues",
        "",
        f"{view.failed_dialogues(report)} dialogue(s), {len(failed)} failed trial(s).",
        "",
    ]
    for run in failed:
        lines += _failed_run(run)
    return lines[:-1]


def _judge(judge: object) -> list[str]:
    scalars, tables = view.judge_blocks(judge)
    lines = ["## Judge", ""]
    if scalars:
        lines += [*table(["name", "value"], [[escape(k), escape(v)] for k, v in scalars]), ""]
    for name, rows in tables.items():
        keys = view.columns(rows)
        body = [[escape(row.get(key, "")) for key in keys] for row in rows]
        lines += [f"### {escape(name)}", "", *table([escape(k) for k in keys], body), ""]
    return lines[:-1] if len(lines) > 2 else [*lines, "The judge returned nothing."]


def render_markdown(report: view.Report) -> str:
    """The whole report.md text: header, summary, intents, failures and the judge's scores."""
    summary = table(
        ["metric", "value"], [[name, escape(value)] for name, value in view.summary_rows(report)]
    )
    sections = [_header(report), ["## Summary", "", *summary], _intents(report)]
    if problems := _problems(report):
        sections.append(problems)
    sections.append(_failures(report))
    if report.get("judge") is not None:
        sections.append(_judge(report["judge"]))
    return "\n\n".join("\n".join(section) for section in sections) + "\n"


def write_markdown(report: view.Report, out_dir: Path) -> Path:
    """Write report.md in `out_dir`, created if needed, and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / FILENAME
    path.write_text(render_markdown(report), encoding="utf-8")
    return path
