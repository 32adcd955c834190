"""The labelled messages the understanding model learns from and is measured on.

Two files ship in `data/`:

- `real_messages.jsonl`: real customer complaints (see `data/README.md`, the dataset card),
  split once into train, dev and a frozen test split. Only train is ever learned from; dev
  chooses settings; test is reported and never tuned on.
- `written.jsonl`: messages the team wrote in WhatsApp style (greetings, bare answers,
  "cadê meu pedido 1001?"), learned from in full.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeGuard

from agent.understanding import INTENTS, Intent
from tools.problems import PROBLEM_TYPES, ProblemType

Split = Literal["train", "dev", "test"]
SPLITS: tuple[Split, ...] = ("train", "dev", "test")

DATA = resources.files(__package__) / "data"
REAL = "real_messages.jsonl"
WRITTEN = "written.jsonl"


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled message."""

    text: str
    intent: Intent
    """The main request, the label the model learns."""
    acceptable: tuple[Intent, ...]
    """Every intent a careful attendant could defend as the main one (includes `intent`)."""
    intents: tuple[Intent, ...]
    """Every request in the message, main first."""
    problem: ProblemType | None
    problems: tuple[ProblemType, ...] = ()
    upset: bool = False
    split: Split = "train"
    id: str = ""
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


def _is_intent(value: object) -> TypeGuard[Intent]:
    return value in INTENTS


def _is_problem(value: object) -> TypeGuard[ProblemType]:
    return value in PROBLEM_TYPES


def _intents(values: Sequence[object], where: str) -> tuple[Intent, ...]:
    found = tuple(value for value in values if _is_intent(value))
    if len(found) != len(values):
        raise ValueError(f"{where}: unknown intent in {list(values)}")
    return found


def _real(row: dict[str, Any], where: str) -> Example:
    intent = row["intent"]
    problem = row.get("problem")
    if not _is_intent(intent) or not (problem is None or _is_problem(problem)):
        raise ValueError(f"{where}: unknown intent or problem")
    problems = tuple(p for p in row.get("problems", []) if _is_problem(p))
    split = row["split"]
    if split not in SPLITS:
        raise ValueError(f"{where}: unknown split {split!r}")
    return Example(
        text=row["text"],
        intent=intent,
        acceptable=_intents(row["acceptable"], where),
        intents=_intents(row["intents"], where),
        problem=problem,
        problems=problems,
        upset=bool(row.get("upset")),
        split=split,
        id=row["id"],
        source=row["source"],
    )


def _written(row: dict[str, Any], where: str) -> Example:
    intent = row["intent"]
    if not _is_intent(intent):
        raise ValueError(f"{where}: unknown intent {intent!r}")
    intents = _intents(row.get("intents") or [intent], where)
    return Example(
        text=row["text"],
        intent=intent,
        acceptable=(intent,),
        intents=intents,
        problem=None,
        source="written",
        extra={"awaiting": row.get("awaiting")},
    )


def _rows(name: str, path: Path | None = None) -> list[tuple[dict[str, Any], str]]:
    text = path.read_text(encoding="utf-8") if path else (DATA / name).read_text("utf-8")
    return [
        (json.loads(line), f"{name}:{number}")
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]


def real_examples(split: Split | None = None, path: Path | None = None) -> list[Example]:
    """The real messages, all of them or one split."""
    examples = [_real(row, where) for row, where in _rows(REAL, path)]
    return [e for e in examples if split is None or e.split == split]


def written_examples(path: Path | None = None) -> list[Example]:
    """The team's WhatsApp-style messages (no problem labels)."""
    return [_written(row, where) for row, where in _rows(WRITTEN, path)]


def training_examples() -> list[Example]:
    """What the model learns from: the real train split and the written messages."""
    return [*real_examples("train"), *written_examples()]


def data_version() -> str:
    """A hash of both data files: a model trained on other data is never reused."""
    digest = hashlib.sha256()
    for name in (REAL, WRITTEN):
        digest.update((DATA / name).read_bytes())
    return digest.hexdigest()[:16]


def split_digest(split: Split) -> str:
    """A hash of one split's ids, texts and labels, so a frozen split cannot drift silently."""
    digest = hashlib.sha256()
    for example in real_examples(split):
        record: list[object] = [example.id, example.text, example.intent]
        record += [list(example.acceptable), example.problem, list(example.problems)]
        digest.update(json.dumps(record, ensure_ascii=False).encode())
    return digest.hexdigest()
