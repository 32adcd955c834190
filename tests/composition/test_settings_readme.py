"""The README's configuration table names every variable the settings read, and no other."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import AliasChoices

from agent.nlu.store import MODEL_DIR_ENV
from composition.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"
OUTSIDE_SETTINGS = {MODEL_DIR_ENV}
"""Read where it is used, before any settings exist (the model cache directory)."""


def settings_variables() -> set[str]:
    names: set[str] = set()
    for field_name, field in Settings.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names |= {choice for choice in alias.choices if isinstance(choice, str)}
        else:
            names.add(str(alias or field_name).upper())
    return names


def readme_variables() -> set[str]:
    text = README.read_text(encoding="utf-8")
    table = text[text.index("## Configuration") :]
    table = table[: table.index("\n## ")]
    names: set[str] = set()
    for line in table.splitlines():
        if line.startswith("| `"):
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1]))
    return names


def test_the_readme_table_and_the_settings_agree() -> None:
    documented = readme_variables()
    assert settings_variables() - documented == set(), "settings the README does not name"
    assert documented - settings_variables() - OUTSIDE_SETTINGS == set(), "names nothing reads"


def test_atendente_help_names_every_variable_too() -> None:
    from typer.testing import CliRunner

    from cli import app

    shown = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "250"}).output
    missing = sorted(name for name in readme_variables() if name not in shown)
    assert missing == []
