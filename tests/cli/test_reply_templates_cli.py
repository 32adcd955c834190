"""A broken store templates file stops the command before it starts, in one line per fault."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_preflight import run


def test_a_broken_templates_file_is_named_before_anything_starts(tmp_path: Path) -> None:
    broken = tmp_path / "minha-loja.toml"
    broken.write_text('[handoff]\npassing = "Vou te passar para {department}."\n', "utf-8")
    result = run("worker", ATENDENTE_REPLY_TEMPLATES=str(broken), ATENDENTE_DATA_DIR=str(tmp_path))
    assert result.returncode == 2
    assert f"{broken}: handoff.passing: placeholder {{ticket}} is missing" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) <= 3
