"""Reading dialogue files: one readable line per mistake, naming file, dialogue and field."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml
from pydantic import (
    ValidationError,
)

from evals.dialogue.model import Dialogue, DialogueFile


class DialogueFormatError(ValueError):
    """A dialogue file that cannot be used, with where and why in the message."""


def _where(raw: object, loc: tuple[int | str, ...]) -> str:
    """'dialogue <id>: turns[2].expect.intent' from a validation error location."""
    prefix = ""
    if len(loc) >= 2 and loc[0] == "dialogues" and isinstance(loc[1], int):
        items = raw.get("dialogues") if isinstance(raw, dict) else None
        entry = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        name = entry.get("id") if isinstance(entry, dict) else None
        prefix = f"dialogue {name!r}" if name else f"dialogue #{loc[1] + 1}"
        loc = loc[2:]
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    if prefix and path:
        return f"{prefix}: {path}"
    return prefix or path or "file"


def _format_errors(path: Path, raw: object, error: ValidationError) -> str:
    lines = []
    items = error.errors(include_url=False)
    locs = [tuple(item["loc"]) for item in items]
    for item in items:
        loc = tuple(item["loc"])
        if any(len(other) > len(loc) and other[: len(loc)] == loc for other in locs):
            continue  # a container's summary error ("too short") when its items already failed
        message = str(item["msg"]).removeprefix("Value error, ")
        lines.append(f"{path}: {_where(raw, loc)}: {message}")
    return "\n".join(lines)


def parse_dialogue_file(path: Path) -> DialogueFile:
    """Read and validate one dialogue file.

    Raises:
        DialogueFormatError: unreadable YAML or any field that breaks the format.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DialogueFormatError(f"{path}: cannot read: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise DialogueFormatError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise DialogueFormatError(f"{path}: expected a mapping with 'format' and 'dialogues'")
    try:
        return DialogueFile.model_validate(raw)
    except ValidationError as error:
        raise DialogueFormatError(_format_errors(path, raw, error)) from None


def _dialogue_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(path.glob("*.yaml"))
        if not files:
            raise DialogueFormatError(f"{path}: no *.yaml dialogue files in this directory")
        return files
    if not path.exists():
        raise DialogueFormatError(f"{path}: no such file or directory")
    return [path]


def _check_unique(named: Iterable[tuple[Path, Dialogue]]) -> None:
    seen: dict[str, Path] = {}
    for path, dialogue in named:
        if dialogue.id in seen:
            first = seen[dialogue.id]
            raise DialogueFormatError(
                f"{path}: dialogue {dialogue.id!r}: id: duplicate, already used in {first}"
            )
        seen[dialogue.id] = path


def load_dialogues(path: Path) -> list[Dialogue]:
    """Every dialogue in a file, or in all `*.yaml` files of a directory (sorted by name).

    Raises:
        DialogueFormatError: a file is malformed or two dialogues share an id.
    """
    named = [
        (file, dialogue)
        for file in _dialogue_files(path)
        for dialogue in parse_dialogue_file(file).dialogues
    ]
    _check_unique(named)
    return [
        dialogue.model_copy(update={"category": dialogue.category or file.stem})
        for file, dialogue in named
    ]
