"""`atendente eval run`: reports on disk, the thresholds gate and clear errors on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app

DIALOGUES = """\
format: atendente-dialogues/1
dialogues:
  - id: greeting-and-order
    description: Ana says hi and asks about 1001.
    tags: [greeting, order_status]
    store: demo
    customer: {phone: "+5511987654321"}
    leaks: ["bruno.lima@example.com"]
    turns:
      - say: "oi"
        expect: {intent: greeting, tools: {match: strict, calls: []}, handoff: none}
      - say: "cadê meu pedido 1001?"
        expect:
          intent: [order_status, tracking]
          tools:
            calls: [{name: get_order, args: {order_number: "1001"}}]
          reply: {contains: ["AA123456785BR"]}
"""


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    path = tmp_path / "dialogues.yaml"
    path.write_text(DIALOGUES, encoding="utf-8")
    return path


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AZURE_OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


def thresholds(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "thresholds.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_run_writes_the_report_and_passes_the_gate(
    runner: CliRunner, dataset: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report"
    gate = thresholds(tmp_path, "[minimum]\npass_hat_k.1 = 1.0\n[maximum]\nleaks = 0\n")
    result = runner.invoke(
        app,
        ["eval", "run", "--dataset", str(dataset), "--out", str(out), "--thresholds", str(gate)],
    )
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["run"]["dataset"] == str(dataset)
    summary = report["summary"]
    assert (summary["dialogues"], summary["turns"], summary["leaks"]) == (1, 2, 0)
    assert summary["pass_hat_k"] == {"1": 1.0}
    assert summary["thresholds"] == {"passed": True, "misses": [], "source": str(gate)}
    assert "1 dialogues, 2 turns" in result.output


def test_a_missed_threshold_exits_1_and_lists_every_miss(
    runner: CliRunner, dataset: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report"
    gate = thresholds(
        tmp_path,
        "[minimum]\nintent_accuracy = 1.0\nhandoff.financeiro.recall = 0.9\n"
        "[maximum]\nlatency_ms.max = 0\n",
    )
    result = runner.invoke(
        app,
        ["eval", "run", "--dataset", str(dataset), "--out", str(out), "--thresholds", str(gate)],
    )
    assert result.exit_code == 1
    assert "thresholds missed" in result.output
    assert "handoff.financeiro.recall: not in the report (minimum 0.9)" in result.output
    assert "latency_ms.max = " in result.output and "above the maximum 0" in result.output
    assert "intent_accuracy" not in result.output.split("thresholds missed")[1]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["thresholds"]["passed"] is False
    assert len(report["summary"]["thresholds"]["misses"]) == 2


def test_a_malformed_dialogue_names_file_dialogue_and_field(
    runner: CliRunner, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(DIALOGUES.replace("intent: greeting", "intent: greting"), encoding="utf-8")
    result = runner.invoke(app, ["eval", "run", "--dataset", str(bad), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{bad}: dialogue 'greeting-and-order': turns[0].expect.intent: unknown intent" in (
        result.output
    )
    assert "Traceback" not in result.output


def test_a_malformed_threshold_file_is_refused(
    runner: CliRunner, dataset: Path, tmp_path: Path
) -> None:
    gate = thresholds(tmp_path, "[minimum]\nintent_accuracy = 'high'\n")
    result = runner.invoke(
        app, ["eval", "run", "--dataset", str(dataset), "--thresholds", str(gate)]
    )
    assert result.exit_code == 2
    assert f"{gate}: intent_accuracy: expected a number, got 'high'" in result.output


def test_the_openai_brain_without_a_key_says_what_it_needs(
    runner: CliRunner, dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env file with a key here
    result = runner.invoke(
        app, ["eval", "run", "--brain", "openai", "--dataset", str(dataset), "--out", "out"]
    )
    assert result.exit_code == 2
    assert "OPENAI_API_KEY" in result.output
    assert "--llm-cassette" in result.output
    assert "Traceback" not in result.output
