"""The eval reports: report.md, report.html and the terminal summary, on hand-made and real runs."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from composition.settings import Settings
from evals import metrics
from evals.dialogue import Dialogue
from evals.report import print_summary, write_reports
from evals.report.html import render_html
from evals.report.markdown import render_markdown
from evals.runner import run_suite
from evals.thresholds.gate import Thresholds, gate
from tests.support import ANA

SCRIPT = "<script>alert('x')</script> cadê 1026 | *agora*"


def turn(
    say: str,
    *,
    intent: str,
    expected: str,
    latency: float,
    handoff: str | None = None,
    expected_handoff: str = "none",
    failed: list[dict[str, Any]] | None = None,
    reply: str = "Oi! Já vejo pra você.",
) -> dict[str, Any]:
    checks = [{"kind": "intent", "expected": expected, "actual": intent, "ok": True, "detail": ""}]
    if failed:
        checks = failed
    return {
        "index": 0,
        "say": say,
        "media": None,
        "reply": reply,
        "messages": 1,
        "intent": intent,
        "expected_intent": [expected],
        "tools": [],
        "handoff": {"department": handoff, "ticket": "T-1"} if handoff else None,
        "expected_handoff": expected_handoff,
        "rubric": None,
        "latency_ms": latency,
        "llm": {
            "calls": 1,
            "prompt_tokens": 100,
            "completion_tokens": 20,
            "cost_usd": 0.0002,
            "seconds": 0.1,
            "fallbacks": [],
            "model": "gpt-4o-mini",
            "prompt_version": "v7",
        },
        "checks": checks,
        "leaks": [],
        "passed": not failed,
    }


FAILED_CHECKS = [
    {"kind": "intent", "expected": "tracking", "actual": "other", "ok": False},
    {"kind": "handoff", "expected": "logistica", "actual": "none", "ok": False},
    {"kind": "contains", "expected": "QM158204760BR", "actual": None, "ok": False},
]
for check, detail in zip(
    FAILED_CHECKS,
    ["understood 'other'", "expected logistica, opened none", "not found"],
    strict=True,
):
    check["detail"] = detail


def dialogue_record(id: str, runs: list[list[dict[str, Any]]]) -> dict[str, Any]:
    played = [
        {"trial": n, "passed": all(t["passed"] for t in turns), "turns": turns, "errors": []}
        for n, turns in enumerate(runs)
    ]
    return {
        "id": id,
        "description": f"{id}, written for the test",
        "tags": [],
        "trials": len(runs),
        "successes": sum(1 for run in played if run["passed"]),
        "runs": played,
    }


def hand_made(*, judge: Any = None, failing: bool = True) -> dict[str, Any]:
    """Two dialogues, two trials each; the angry one fails its second trial."""
    order = [
        turn("cadê meu pedido 1001?", intent="order_status", expected="order_status", latency=10),
        turn("cadê meu pedido 1001?", intent="order_status", expected="order_status", latency=30),
    ]
    angry_pass = turn(
        SCRIPT,
        intent="tracking",
        expected="tracking",
        latency=20,
        handoff="logistica",
        expected_handoff="logistica",
    )
    angry_fail = turn(
        SCRIPT,
        intent="other",
        expected="tracking",
        latency=200,
        expected_handoff="logistica",
        failed=FAILED_CHECKS,
        reply="Me passa o <b>número</b>?",
    )
    records = [dialogue_record("order-1001", [[order[0]], [order[1]]])]
    if failing:
        records.append(dialogue_record("angry-1026", [[angry_pass], [angry_fail]]))
    summary = metrics.summarize(records, customer_turns=len(records), trials=2)
    bounds = Thresholds(minimum={"pass_hat_k.2": 0.9}, source="t.toml")
    summary["thresholds"] = gate(summary, bounds)
    intents = metrics.intents(records)
    return {
        "format": "atendente-eval-report/1",
        "run": {
            "brain": "openai",
            "model": "gpt-4o-mini",
            "trials": 2,
            "concurrency": 4,
            "dataset": "evals/dialogues",
            "started_at": "2026-12-03T10:00:00Z",
            "seconds": 3.25,
            "prompt_version": "v7",
            "mode": "replay",
        },
        "summary": summary,
        "intents": {key: intents[key] for key in ("labels", "confusion", "per_intent")},
        "dialogues": records,
        "judge": judge,
    }


class Tags(HTMLParser):
    """Checks that every opened tag is closed in order, and collects what the page holds."""

    VOID = frozenset({"meta", "br", "hr", "img", "input", "link"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.started: list[str] = []
        self.urls: list[str] = []
        self.svg_texts: dict[str, list[str]] = {}
        self._svg_title: str | None = None
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.started.append(tag)
        self.urls += [v or "" for k, v in attrs if k in ("src", "href", "xlink:href")]
        if tag == "title" and "svg" in self.stack:
            self._in_title = True
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.started.append(tag)
        self.urls += [v or "" for k, v in attrs if k in ("src", "href", "xlink:href")]

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()
        if tag == "title":
            self._in_title = False
        if tag == "svg":
            self._svg_title = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._svg_title = data
            self.svg_texts[data] = []
        elif self._svg_title is not None and data.strip():
            self.svg_texts[self._svg_title].append(data)


def parse(page: str) -> Tags:
    parser = Tags()
    parser.feed(page)
    parser.close()
    assert parser.errors == []
    assert parser.stack == []
    return parser


def terminal(report: dict[str, Any]) -> str:
    console = Console(record=True, width=140)
    print_summary(report, console)
    return console.export_text()


# report.md ----------------------------------------------------------------------------------


def test_markdown_has_the_header_and_every_summary_line() -> None:
    text = render_markdown(hand_made())
    for line in [
        "- **brain**: openai",
        "- **model**: gpt-4o-mini",
        "- **trials**: 2",
        "- **prompt version**: v7",
        "- **mode**: replay",
        "- **seconds**: 3.2",
        "- **thresholds**: missed (t.toml): pass\\_hat\\_k.2 = 0.5000, below the minimum 0.9",
        "| dialogues | 2 |",
        "| pass^1 | 0.750 |",
        "| pass^2 | 0.500 |",
        "| intent accuracy | 0.750 |",
        "| assertion pass rate | 0.500 |",
        "| handoff logistica | precision 1.000, recall 0.500 (support 2) |",
        "| LLM calls per turn | 1 |",
        "| prompt tokens per turn | 100 |",
        "| cost per turn | $0.000200 |",
        "| cost in total | $0.000800 |",
        "| latency p50 | 25.0 ms |",
        "| latency max | 200.0 ms |",
        "| `order_status` | 1.000 | 2 |",
        "| `tracking` | 0.500 | 2 |",
    ]:
        assert line in text.splitlines(), line
    assert "## Judge" not in text


def test_markdown_lists_the_failed_checks_with_the_escaped_customer_text() -> None:
    text = render_markdown(hand_made())
    failures = text.split("## Failed dialogues", 1)[1]
    assert "1 dialogue(s), 1 failed trial(s)." in failures
    assert "### angry-1026, trial 2 of 2" in failures
    assert "(1/2 trials passed)" in failures
    assert "order-1001" not in failures
    [row] = [line for line in failures.splitlines() if line.startswith("| 0 |")]
    cells = re.split(r"(?<!\\)\|", row)[1:-1]
    assert len(cells) == 4  # the customer's "|" does not split the row
    assert cells[1].strip() == ("&lt;script&gt;alert('x')&lt;/script&gt; cadê 1026 \\| \\*agora\\*")
    assert cells[2].strip().split("<br>") == [
        "**intent**: understood 'other'",
        "**handoff**: expected logistica, opened none",
        "**contains**: 'QM158204760BR' not found",
    ]
    assert cells[3].strip() == "Me passa o &lt;b&gt;número&lt;/b&gt;?"
    assert "<script>" not in text


JUDGE = {
    "model": "gpt-4o",
    "rubrics": 2,
    "judged": 1,
    "passed": 1,
    "errors": 1,
    "pass_rate": 1.0,
    "results": [
        {
            "dialogue": "order-1001",
            "trial": 0,
            "turn": 0,
            "rubric": "Says where the order is.",
            "ok": True,
            "comment": "Gives the <b>tracking</b> code.",
            "error": None,
        },
        {
            "dialogue": "order-1001",
            "trial": 1,
            "turn": 0,
            "rubric": "Says where the order is.",
            "ok": None,
            "comment": "",
            "error": "TimeoutError: judge",
        },
    ],
}


def test_markdown_without_failures_and_with_a_judge() -> None:
    text = render_markdown(hand_made(judge=JUDGE, failing=False))
    assert "None: every trial of every dialogue passed." in text
    judged = text.split("## Judge", 1)[1].splitlines()
    for line in [
        "| model | gpt-4o |",
        "| rubrics | 2 |",
        "| errors | 1 |",
        "| pass\\_rate | 1.000 |",
    ]:
        assert line in judged, line
    assert "| dialogue | trial | turn | rubric | ok | comment | error |" in judged
    assert (
        "| order-1001 | 0 | 0 | Says where the order is. | True "
        "| Gives the &lt;b&gt;tracking&lt;/b&gt; code. | — |"
    ) in judged
    assert (
        "| order-1001 | 1 | 0 | Says where the order is. | — |  | TimeoutError: judge |" in judged
    )


# report.html --------------------------------------------------------------------------------


def test_html_is_balanced_self_contained_and_has_three_plots() -> None:
    page = render_html(hand_made())
    tags = parse(page)
    assert tags.started.count("svg") == 3
    assert list(tags.svg_texts) == [
        "Accuracy per intent",
        "Intent confusion matrix",
        "Turn latency (ms)",
    ]
    assert not any(re.match(r"(https?:)?//", url) for url in tags.urls)
    assert not {"script", "link", "iframe", "img", "object"} & set(tags.started)
    assert "@import" not in page and "url(" not in page


def test_html_plots_show_the_numbers() -> None:
    tags = parse(render_html(hand_made()))
    matrix = tags.svg_texts["Intent confusion matrix"]
    # labels on both axes, then the counts: order_status 2/0, tracking 0/1 (other 1)
    assert matrix.count("order_status") == 2 and matrix.count("other") == 2
    assert {"predicted", "expected"} <= set(matrix)
    assert sorted(t for t in matrix if t.isdigit()) == ["1", "1", "2"]
    bars = tags.svg_texts["Accuracy per intent"]
    assert "1.000 (n=2)" in bars and "0.500 (n=2)" in bars
    latency = tags.svg_texts["Turn latency (ms)"]
    assert "p50 25" in latency and "p95 174" in latency
    assert "milliseconds" in latency


def test_html_escapes_what_the_customer_typed() -> None:
    page = render_html(hand_made())
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; cadê 1026 | *agora*" in page
    assert "Me passa o &lt;b&gt;número&lt;/b&gt;?" in page
    assert "understood &#x27;other&#x27;" in page
    assert "angry-1026, trial 2 of 2" in page
    assert '<span class="bad">missed (t.toml): pass_hat_k.2 = 0.5000' in page
    assert "<h2>Judge</h2>" not in page


def test_html_shows_the_judge() -> None:
    report = hand_made(judge=JUDGE)
    report["summary"]["judge_pass_rate"] = 1.0
    page = render_html(report)
    parse(page)
    judged = page.split("<h2>Judge</h2>", 1)[1]
    assert "<td>pass_rate</td><td>1.000</td>" in judged
    assert "<td>Gives the &lt;b&gt;tracking&lt;/b&gt; code.</td>" in judged
    assert "<td>TimeoutError: judge</td>" in judged
    assert '<tr><td>judge pass rate</td><td class="num">1.000</td></tr>' in page


# terminal -----------------------------------------------------------------------------------


def test_terminal_summary_has_the_key_numbers_and_the_failures() -> None:
    text = terminal(hand_made())
    assert text.splitlines()[0] == "2 dialogues, 2 turns, 2 trial(s) in 3.2s"
    assert re.search(r"pass\^2\s+│\s+0\.500", text)
    assert re.search(r"intent accuracy\s+│\s+0\.750", text)
    assert re.search(r"latency p95\s+│\s+174\.5 ms", text)
    [row] = [line for line in text.splitlines() if "angry-1026" in line]
    assert "angry-1026 (trial 2)" in row and "1/2" in row
    assert "turn 0 intent: understood 'other'" in row and "+2" in row
    assert "order-1001" not in text


def test_terminal_summary_takes_untrusted_text_literally() -> None:
    report = hand_made(failing=False)
    record = report["dialogues"][0]
    record["id"] = "weird-[bold]-[/]"
    record["runs"][0]["passed"] = False
    record["runs"][0]["errors"] = ["KeyError: '[red]id'"]
    text = terminal(report)
    assert "weird-[bold]-[/]" in text and "trial error: KeyError: '[red]id'" in text


def test_terminal_without_failures() -> None:
    text = terminal(hand_made(failing=False))
    assert "No failed dialogues." in text
    assert "Failed dialogues" not in text


# real runs ----------------------------------------------------------------------------------


def make(id: str, turns: list[dict[str, Any]]) -> Dialogue:
    return Dialogue.model_validate(
        {
            "id": id,
            "description": "written for the test",
            "store": "demo",
            "customer": {"phone": ANA},
            "turns": turns,
        }
    )


async def real_run(*dialogues: Dialogue) -> dict[str, Any]:
    report = await run_suite(list(dialogues), brain_name="rules", settings=Settings(_env_file=None))
    report["summary"]["thresholds"] = gate(report["summary"], None)
    return report


@pytest.mark.asyncio
async def test_a_real_run_writes_three_reports_that_agree(tmp_path: Path) -> None:
    expect = {"reply": {"contains": ["AA123456785BR"]}}
    good = make("order", [{"say": "cadê meu pedido 1001?", "expect": expect}])
    bad = make("script", [{"say": SCRIPT, "expect": {"intent": "refund"}}])
    report = await real_run(good, bad)
    paths = write_reports(report, tmp_path / "out")
    assert [p.name for p in paths] == ["report.json", "report.md", "report.html"]
    assert json.loads(paths[0].read_text(encoding="utf-8")) == report

    [failed] = report["dialogues"][1]["runs"][0]["turns"]
    understood = f"understood {failed['intent']!r}"
    markdown = paths[1].read_text(encoding="utf-8")
    assert "- **brain**: rules" in markdown and "- **model**: —" in markdown
    assert "- **thresholds**: no thresholds for this brain" in markdown
    assert "| dialogues | 2 |" in markdown and "| pass^1 | 0.500 |" in markdown
    assert "| LLM calls per turn | 0 |" in markdown and "| cost in total | $0.000000 |" in markdown
    assert f"**intent**: {understood}".replace("_", "\\_") in markdown
    assert "### script" in markdown and "### order" not in markdown

    page = paths[2].read_text(encoding="utf-8")
    tags = parse(page)
    assert tags.started.count("svg") == 3 and "<script" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page

    text = terminal(report)
    assert text.splitlines()[0].startswith("2 dialogues, 2 turns, 1 trial(s) in ")
    assert re.search(r"pass\^1\s+│\s+0\.500", text)
    assert f"turn 0 intent: {understood}" in text


@pytest.mark.asyncio
async def test_a_run_with_no_dialogues_still_renders(tmp_path: Path) -> None:
    report = await real_run()
    del report["summary"]["thresholds"]
    write_reports(report, tmp_path)
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "- **thresholds**: not checked" in markdown
    assert "| dialogues | 0 |" in markdown and "| latency max | 0.0 ms |" in markdown
    assert "No turn expected an intent." in markdown
    assert "None: every trial of every dialogue passed." in markdown
    tags = parse((tmp_path / "report.html").read_text(encoding="utf-8"))
    assert tags.svg_texts == {
        "Accuracy per intent": ["No turn expected an intent."],
        "Intent confusion matrix": ["No turn expected an intent."],
        "Turn latency (ms)": ["No turn was played."],
    }
    assert terminal(report).splitlines()[0] == "0 dialogues, 0 turns, 1 trial(s) in 0.0s"
