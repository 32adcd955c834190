"""The `atendente` command line, run as a user would (stdin in, stdout out)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from typer.testing import CliRunner

from cli import app
from composition.settings import get_settings

runner = CliRunner()
NODES = [
    "guard",
    "classify_intent",
    "verify_identity",
    "act",
    "tools",
    "handoff",
    "reply",
    "human_mode",
]


@pytest.fixture(autouse=True)
def _isolated(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, redis_url: str, prefix: str
) -> Iterator[None]:
    """Run in an empty folder (no .env) on the test Redis, under this test's own prefix."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("ATENDENTE_REDIS_PREFIX", prefix)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
async def _cleanup(redis_client: Redis) -> None:
    """Depend on the client fixture so this test's keys are deleted afterwards."""


def chat_json(*lines: str, sender: str) -> list[dict[str, Any]]:
    result = runner.invoke(app, ["chat", "--as", sender, "--json"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_chat_json_answers_the_owner_with_the_tracking_code() -> None:
    [turn] = chat_json("oi, cadê meu pedido 1001?", sender="+5511987654321")
    assert set(turn) == {"intent", "entities", "path", "tools", "messages", "handoff", "llm"}
    assert turn["llm"]["calls"] == 0
    assert turn["intent"] == "order_status"
    assert any("AA123456785BR" in m["text"] for m in turn["messages"])
    assert turn["tools"] == [
        {"name": "get_order", "args": {"order_number": "1001"}},
        {"name": "track_order", "args": {"order_number": "1001"}},
    ]


def test_chat_json_stranger_needs_the_email() -> None:
    turns = chat_json("oi, cadê meu pedido 1001?", "ana.souza@example.com", sender="+5511900000000")
    assert "AA123456785BR" not in json.dumps(turns[0])
    assert "Ana" not in json.dumps(turns[0], ensure_ascii=False)
    assert "AA123456785BR" in json.dumps(turns[1])


def test_chat_brain_flag_overrides_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATENDENTE_BRAIN", "openai")
    result = runner.invoke(app, ["chat", "--brain", "rules", "--json"], input="oi\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["intent"] == "greeting"


def test_the_model_brain_without_a_key_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    chat = runner.invoke(app, ["chat", "--brain", "openai", "--json"], input="oi\n")
    monkeypatch.setenv("ATENDENTE_BRAIN", "openai")
    get_settings.cache_clear()
    serve = runner.invoke(app, ["serve", "--port", "1"])
    for result in (chat, serve):
        assert result.exit_code != 0
        assert "OPENAI_API_KEY" in result.stderr
        assert "Traceback" not in result.output


def test_chat_rejects_a_bad_sender() -> None:
    result = runner.invoke(app, ["chat", "--as", "abc", "--json"], input="oi\n")
    assert result.exit_code == 2
    assert "not a Brazilian phone number" in result.output


def test_chat_keeps_blank_lines_as_empty_messages() -> None:
    turns = chat_json("", "obrigado", sender="+5511900000000")
    assert len(turns) == 2
    assert turns[0]["messages"]


def test_classify_prints_one_json_line_per_message() -> None:
    result = runner.invoke(
        app, ["classify"], input="rastrear AA123456785BR\nmeu cpf 529.982.247-25\n"
    )
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["intent"] == "tracking"
    assert first["entities"] == {"tracking_code": "AA123456785BR"}
    assert second["entities"] == {"cpf": "52998224725"}
    assert 0 <= first["confidence"] <= 1


def test_classify_eval_prints_accuracy() -> None:
    labelled = Path(__file__).parents[2] / "agent" / "nlu" / "data" / "written.jsonl"
    result = runner.invoke(app, ["classify", "--eval", str(labelled)])
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.output.lower()


def test_classify_eval_missing_file_is_a_clear_error() -> None:
    result = runner.invoke(app, ["classify", "--eval", "nope.jsonl"])
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_graph_mermaid_draws_every_node() -> None:
    result = runner.invoke(app, ["graph", "--format", "mermaid"])
    assert result.exit_code == 0
    for node in NODES:
        assert node in result.stdout


def test_graph_ascii_draws_every_node() -> None:
    result = runner.invoke(app, ["graph", "--format", "ascii"])
    assert result.exit_code == 0
    for node in NODES:
        assert node in result.stdout


def test_graph_png_is_a_png(tmp_path: Path) -> None:
    out = tmp_path / "graph.png"
    result = runner.invoke(app, ["graph", "--format", "png", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_chat_resumes_after_a_restart_on_the_embedded_redis(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("REDIS_URL")
    get_settings.cache_clear()
    stranger = "+5511900000000"
    [first] = chat_json("oi, cadê meu pedido 1001?", sender=stranger)
    assert "e-mail" in first["messages"][0]["text"]
    assert (tmp_path / ".atendente" / "redis").is_dir()
    [resumed] = chat_json("ana.souza@example.com", sender=stranger)
    assert "AA123456785BR" in resumed["messages"][0]["text"]

    result = runner.invoke(
        app, ["chat", "--as", stranger, "--json", "--fresh"], input="ana.souza@example.com\n"
    )
    assert result.exit_code == 0, result.output
    assert "AA123456785BR" not in result.stdout


def test_chat_names_redis_url_when_redis_is_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://:secret@127.0.0.1:1/0")
    get_settings.cache_clear()
    result = runner.invoke(app, ["chat", "--json"], input="oi\n")
    assert result.exit_code == 1
    assert "REDIS_URL" in result.output
    assert "secret" not in result.output
