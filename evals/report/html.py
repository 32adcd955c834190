"""report.html: the run as one self-contained page, with its plots, to open from CI artifacts.

Nothing is loaded from anywhere: the style is inline, the plots are inline SVG and no
script runs, so the page reads the same offline, in a mail attachment or a sandboxed
artifact viewer. The customers' messages and the bot's replies are untrusted text and
are escaped everywhere they appear.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from pathlib import Path

from evals.report import svg, view

FILENAME = "report.html"
STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: #222; background: #fff; margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 12px; }
h2 { font-size: 17px; margin: 32px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 4px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f5f5f5; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.text { white-space: pre-wrap; max-width: 340px; overflow-wrap: anywhere; }
table.run th { width: 140px; }
.ok { color: #2e7d32; font-weight: 600; }
.bad { color: #c62828; font-weight: 600; }
.muted { color: #666; }
.plots { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
figure { margin: 8px 0; }
figcaption { font-weight: 600; margin-bottom: 4px; }
ul.checks { margin: 0; padding-left: 16px; }
code { background: #f5f5f5; padding: 0 3px; border-radius: 3px; }
"""


def esc(text: object) -> str:
    """Any value as HTML-escaped text (quotes included, so it is safe in attributes too)."""
    return html.escape(str(text), quote=True)


def _table(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    numeric: Sequence[int] = (),
    css: str = "",
) -> str:
    """A table of already-escaped cells; `numeric` columns are right-aligned."""
    head = "".join(f"<th>{cell}</th>" for cell in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{cell}</td>' if index in numeric else f"<td>{cell}</td>"
            for index, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    attribute = f' class="{css}"' if css else ""
    return f"<table{attribute}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _header(report: view.Report) -> str:
    passed = view.thresholds_passed(report)
    rows = []
    for name, value in view.run_rows(report):
        if name == "thresholds" and passed is not None:
            value = f'<span class="{"ok" if passed else "bad"}">{esc(value)}</span>'
        else:
            value = esc(value)
        rows.append(f"<tr><th>{esc(name)}</th><td>{value}</td></tr>")
    return f'<h1>Eval report</h1><table class="run"><tbody>{"".join(rows)}</tbody></table>'


def _summary(report: view.Report) -> str:
    rows = [(esc(name), esc(value)) for name, value in view.summary_rows(report)]
    return "<h2>Summary</h2>" + _table(["metric", "value"], rows, numeric=[1])


def _problems(report: view.Report) -> str:
    rows = view.problem_rows(report)
    if not rows:
        return ""
    body = [(f"<code>{esc(label)}</code>", view.rate(acc), str(n)) for label, acc, n in rows]
    table = _table(["problem", "accuracy", "support"], body, numeric=[1, 2])
    return f"<h2>Problems</h2>{table}"


def _intents(report: view.Report) -> str:
    rows = view.intent_rows(report)
    labels, counts = view.confusion(report)
    table = _table(
        ["intent", "accuracy", "support"],
        [(f"<code>{esc(label)}</code>", view.rate(acc), str(n)) for label, acc, n in rows],
        numeric=[1, 2],
    )
    bars = svg.accuracy_bars(rows)
    matrix = svg.confusion_matrix(labels, counts)
    return (
        "<h2>Intents</h2>"
        f'<div class="plots"><div>{table}</div>'
        f"<figure><figcaption>Accuracy per intent</figcaption>{bars}</figure></div>"
        "<figure><figcaption>Confusion matrix (rows: expected, columns: predicted)"
        f"</figcaption>{matrix}</figure>"
    )


def _latency(report: view.Report) -> str:
    summary = report.get("summary", {}).get("latency_ms", {})
    markers = {name: float(summary[name]) for name in ("p50", "p95") if name in summary}
    values = view.latencies(report)
    plot = svg.histogram(values, markers if values else {})
    return (
        "<h2>Latency</h2>"
        f"<figure><figcaption>Turn latency, {len(values)} turn(s) over all trials"
        f"</figcaption>{plot}</figure>"
    )


def _failed_run(run: view.FailedRun) -> str:
    trial = f", trial {run.trial + 1} of {run.trials}" if run.trials > 1 else ""
    parts = [
        f"<h3>{esc(run.dialogue)}{trial}</h3>",
        f'<p>{esc(run.description)} <span class="muted">({run.successes}/{run.trials} '
        "trials passed)</span></p>",
    ]
    if run.errors:
        items = "".join(f"<li>{esc(error)}</li>" for error in run.errors)
        parts.append(f'<ul class="checks bad">{items}</ul>')
    rows = []
    for turn in run.turns:
        said = esc(turn.say) if turn.say else f'<span class="muted">({esc(turn.media)})</span>'
        checks = "".join(
            f'<li><span class="bad">{esc(kind)}</span>: {esc(detail)}</li>'
            for kind, detail in turn.checks
        )
        reply = esc(turn.reply) if turn.reply else '<span class="muted">(silent)</span>'
        rows.append(
            f'<tr><td class="num">{turn.index}</td><td class="text">{said}</td>'
            f'<td><ul class="checks">{checks}</ul></td><td class="text">{reply}</td></tr>'
        )
    if rows:
        head = "".join(f"<th>{h}</th>" for h in ("turn", "customer said", "failed checks", "reply"))
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    return "".join(parts)


def _failures(report: view.Report) -> str:
    failed = view.failures(report)
    if not failed:
        return '<h2>Failed dialogues</h2><p class="ok">None: every trial passed.</p>'
    count = view.failed_dialogues(report)
    return (
        "<h2>Failed dialogues</h2>"
        f"<p>{count} dialogue(s), {len(failed)} failed trial(s).</p>"
        + "".join(_failed_run(run) for run in failed)
    )


def _judge(judge: object) -> str:
    scalars, tables = view.judge_blocks(judge)
    parts = ["<h2>Judge</h2>"]
    if scalars:
        parts.append(_table(["name", "value"], [(esc(k), esc(v)) for k, v in scalars]))
    for name, rows in tables.items():
        keys = view.columns(rows)
        body = [[esc(row.get(key, "")) for key in keys] for row in rows]
        parts.append(f"<h3>{esc(name)}</h3>" + _table([esc(k) for k in keys], body))
    if len(parts) == 1:
        parts.append('<p class="muted">The judge returned nothing.</p>')
    return "".join(parts)


def render_html(report: view.Report) -> str:
    """The whole report.html page."""
    sections = [
        _header(report),
        _summary(report),
        _intents(report),
        _problems(report),
        _latency(report),
        _failures(report),
    ]
    if report.get("judge") is not None:
        sections.append(_judge(report["judge"]))
    brain = esc(report.get("run", {}).get("brain", ""))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Eval report: {brain}</title><style>{STYLE}</style></head>\n<body>"
        + "\n".join(sections)
        + "</body></html>\n"
    )


def write_html(report: view.Report, out_dir: Path) -> Path:
    """Write report.html in `out_dir`, created if needed, and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / FILENAME
    path.write_text(render_html(report), encoding="utf-8")
    return path
