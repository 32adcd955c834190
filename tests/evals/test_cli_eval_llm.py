"""`atendente eval run` with a model: record against a real HTTP model server, replay offline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli import app
from composition.settings import get_settings
from evals.dialogue import DATASET_DIR
from evals.scripted_model import Reply, ScriptedModel
from tests.server.serving import serving

MODEL_ENV = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT")


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[CliRunner]:
    monkeypatch.chdir(tmp_path)  # no .env file here
    for name in (*MODEL_ENV, "LANGSMITH_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def run(runner: CliRunner, *args: str) -> Any:
    get_settings.cache_clear()
    return runner.invoke(
        app, ["eval", "run", "--dataset", str(DATASET_DIR / "tracking.yaml"), *args]
    )


def no_leaks(tmp_path: Path) -> Path:
    """A gate for a one-file dataset, whose scores the suite's thresholds are not about."""
    gate = tmp_path / "gate.toml"
    gate.write_text("[maximum]\nleaks = 0\n", encoding="utf-8")
    return gate


def report(out: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return loaded


def test_record_against_a_model_server_then_replay_with_no_model(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scripted = ScriptedModel()
    cassette = tmp_path / "cassettes" / "tracking.json"
    gate = no_leaks(tmp_path)
    with serving(scripted.app) as url:
        monkeypatch.setenv("OPENAI_BASE_URL", f"{url}/v1")
        recorded = run(
            runner,
            "--brain", "openai", "--thresholds", str(gate),
            "--llm-mode", "record", "--llm-cassette", str(cassette), "--out", "recorded",
        )  # fmt: skip
    assert recorded.exit_code == 0, recorded.output
    assert f"model calls recorded in {cassette}" in recorded.output
    sent = len(scripted.requests)
    assert sent > 0

    monkeypatch.delenv("OPENAI_BASE_URL")
    replayed = run(
        runner,
        "--brain", "openai", "--thresholds", str(gate),
        "--llm-mode", "replay", "--llm-cassette", str(cassette), "--out", "replayed",
    )  # fmt: skip
    assert replayed.exit_code == 0, replayed.output
    assert len(scripted.requests) == sent
    first, second = report(tmp_path / "recorded"), report(tmp_path / "replayed")
    assert second["run"]["mode"] == "replay"
    assert second["summary"]["pass_hat_k"] == first["summary"]["pass_hat_k"]
    assert second["summary"]["assertion_pass_rate"] == first["summary"]["assertion_pass_rate"]
    assert second["summary"]["llm"] == first["summary"]["llm"]
    replies = [
        [turn["reply"] for run in d["runs"] for turn in run["turns"]] for d in first["dialogues"]
    ]
    assert replies == [
        [turn["reply"] for run in d["runs"] for turn in run["turns"]] for d in second["dialogues"]
    ]


def test_a_replay_that_misses_exits_2_and_lists_the_requests(
    runner: CliRunner, tmp_path: Path
) -> None:
    cassette = tmp_path / "empty.json"
    cassette.write_text(
        json.dumps({"format": "atendente-llm-cassette/1", "meta": {}, "exchanges": []}),
        encoding="utf-8",
    )
    result = run(
        runner, "--brain", "openai", "--llm-mode", "replay", "--llm-cassette", str(cassette)
    )
    assert result.exit_code == 2
    assert "not in the cassette" in result.output
    assert "POST /v1/chat/completions (model gpt-4o" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--llm-mode", "record"], "needs --llm-cassette"),
        (["--llm-cassette", "x.json"], "needs --llm-mode record"),
        (["--llm-mode", "replay", "--llm-cassette", "missing.json"], "no such cassette"),
        (["--llm-mode", "record", "--llm-cassette", "x.json"], "recording needs a model"),
        (["--judge"], "--judge needs a model"),
        (["--langsmith"], "--langsmith needs LANGSMITH_API_KEY"),
    ],
)
def test_options_that_cannot_work_exit_2_with_one_line(
    runner: CliRunner, args: list[str], message: str
) -> None:
    result = run(runner, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_the_judge_runs_from_the_command_line_and_lands_in_the_reports(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scripted = ScriptedModel([Reply(json_output={"reasoning": "ok", "score": True})] * 40)
    with serving(scripted.app) as url:
        monkeypatch.setenv("OPENAI_BASE_URL", f"{url}/v1")
        result = run(
            runner, "--judge", "--judge-model", "gpt-4.1", "--out", "judged",
            "--thresholds", str(no_leaks(tmp_path)),
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    judged = report(tmp_path / "judged")
    assert judged["judge"]["model"] == "gpt-4.1"
    assert judged["judge"]["rubrics"] == judged["judge"]["passed"] > 0
    assert judged["summary"]["judge_pass_rate"] == 1.0
    assert "gpt-4.1" in (tmp_path / "judged" / "report.md").read_text(encoding="utf-8")


def test_with_a_key_the_judge_runs_unless_turned_off(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scripted = ScriptedModel([Reply(json_output={"reasoning": "ok", "score": True})] * 40)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    gate = str(no_leaks(tmp_path))
    with serving(scripted.app) as url:
        monkeypatch.setenv("OPENAI_BASE_URL", f"{url}/v1")
        judged = run(runner, "--out", "auto", "--thresholds", gate)
        unjudged = run(runner, "--no-judge", "--out", "off", "--thresholds", gate)
    assert judged.exit_code == unjudged.exit_code == 0, judged.output + unjudged.output
    assert report(tmp_path / "auto")["judge"]["judged"] > 0
    assert report(tmp_path / "off")["judge"] is None
