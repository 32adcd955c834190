"""Before anything starts: one line per missing or malformed variable, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cli.preflight import configuration_problems
from composition.settings import Settings

ATENDENTE = str(Path(sys.executable).with_name("atendente"))


def settings(**values: str) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_development_on_embedded_defaults_is_fine() -> None:
    assert configuration_problems(settings()) == []


def test_half_a_store_or_half_a_whatsapp_number_is_named() -> None:
    assert configuration_problems(settings(NUVEMSHOP_STORE_ID="123")) == [
        "NUVEMSHOP_STORE_ID is set but NUVEMSHOP_ACCESS_TOKEN is not: a real store needs both "
        "(or the partner app, whose install keeps the token)"
    ]
    assert configuration_problems(settings(WHATSAPP_ACCESS_TOKEN="t")) == [
        "WHATSAPP_ACCESS_TOKEN is set but WHATSAPP_PHONE_NUMBER_ID is not: WhatsApp needs both"
    ]


def test_production_refuses_every_demo_part_and_default_secret() -> None:
    problems = configuration_problems(settings(ATENDENTE_ENV="production"))
    assert len(problems) == 6
    for variable in (
        "NUVEMSHOP_STORE_ID",
        "NUVEMSHOP_APP_SECRET",
        "REDIS_URL",
        "WHATSAPP_ACCESS_TOKEN",
        "WHATSAPP_APP_SECRET",
        "WHATSAPP_VERIFY_TOKEN",
    ):
        assert any(variable in problem for problem in problems), variable
    complete = settings(
        ATENDENTE_ENV="production",
        NUVEMSHOP_STORE_ID="123",
        NUVEMSHOP_ACCESS_TOKEN="tok",
        NUVEMSHOP_APP_SECRET="app",
        REDIS_URL="redis://127.0.0.1:6379/0",
        WHATSAPP_ACCESS_TOKEN="wa",
        WHATSAPP_PHONE_NUMBER_ID="555",
        WHATSAPP_APP_SECRET="meta",
        WHATSAPP_VERIFY_TOKEN="verify",
    )
    assert configuration_problems(complete) == []


def run(*argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ATENDENTE_", "NUVEMSHOP_"))}
    return subprocess.run(
        [ATENDENTE, *argv],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_serve_in_production_with_nothing_set_stops_before_starting(tmp_path: Path) -> None:
    result = run("serve", ATENDENTE_ENV="production", ATENDENTE_DATA_DIR=str(tmp_path))
    assert result.returncode == 2
    assert "ATENDENTE_ENV=production needs REDIS_URL" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "running" not in result.stdout


def test_malformed_json_in_a_variable_is_one_line_naming_it(tmp_path: Path) -> None:
    result = run("worker", ATENDENTE_DEPARTMENT_HOURS="{not json", ATENDENTE_DATA_DIR=str(tmp_path))
    assert result.returncode == 2
    assert "ATENDENTE_DEPARTMENT_HOURS" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 3


def test_an_unreachable_redis_is_named_before_any_banner(tmp_path: Path) -> None:
    result = run(
        "serve", "--port", "0", REDIS_URL="redis://127.0.0.1:1/0", ATENDENTE_DATA_DIR=str(tmp_path)
    )
    assert result.returncode == 2
    assert "REDIS_URL (127.0.0.1:1/0) does not answer" in result.stderr
    assert "running" not in result.stdout and "Traceback" not in result.stderr


def test_a_taken_port_is_named_before_any_banner(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = run("serve", "--port", port, ATENDENTE_DATA_DIR=str(tmp_path))
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "running" not in result.stdout


def test_a_broken_knowledge_file_stops_the_start_in_one_line(tmp_path: Path) -> None:
    knowledge = tmp_path / "loja.yaml"
    knowledge.write_text("format: atendente-knowledge/1\nentries:\n  - id: pix\n    title: Pix\n")
    env = {**os.environ, "ATENDENTE_KNOWLEDGE_FILE": str(knowledge)}
    done = subprocess.run(
        [ATENDENTE, "worker"],
        input="",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert f"knowledge file {knowledge}: entries[0] (pix).topic" in done.stderr
    assert "ATENDENTE_KNOWLEDGE_FILE" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_broken_stores_file_or_a_stores_broken_templates_stop_the_start(
    tmp_path: Path,
) -> None:
    stores = tmp_path / "stores.toml"
    stores.write_text("[stores.loja-a]\nWHATSAPP_ACCESS_TOKEN = 'EAAG'\n", encoding="utf-8")
    result = run("worker", ATENDENTE_STORES_FILE=str(stores), ATENDENTE_DATA_DIR=str(tmp_path))
    assert result.returncode == 2
    assert "ATENDENTE_STORE_LOJA_A__WHATSAPP_ACCESS_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr

    templates = tmp_path / "voz.toml"
    templates.write_text('[greeting]\nno_such_key = "Oi"\n', encoding="utf-8")
    stores.write_text(
        "[stores.loja-a]\nNUVEMSHOP_STORE_ID = '1'\nWHATSAPP_PHONE_NUMBER_ID = '11'\n"
        f"ATENDENTE_REPLY_TEMPLATES = '{templates}'\n",
        encoding="utf-8",
    )
    result = run("worker", ATENDENTE_STORES_FILE=str(stores), ATENDENTE_DATA_DIR=str(tmp_path))
    assert result.returncode == 2
    assert "[stores.loja-a] invalid reply templates" in result.stderr
    assert "Traceback" not in result.stderr
