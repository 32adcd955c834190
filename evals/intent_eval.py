"""Score an intent classifier against the team-written messages in `agent/nlu/data/written.jsonl`.

Any brain can be scored: `evaluate` takes the classify function, so the rules brain and the
LLM brain are measured on the same sentences with the same arithmetic.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

from rich.table import Table

from agent.understanding import (
    ENTITY_KINDS,
    INTENTS,
    Entities,
    EntityKind,
    Intent,
    Understanding,
)

DEFAULT_DATASET = Path(__file__).parents[1] / "agent" / "nlu" / "data" / "written.jsonl"
"""The hand-labelled pt-BR customer messages shipped with the project."""


ClassifyFn = Callable[..., Understanding | str]
"""A classifier under evaluation: `fn(text)` or `fn(text, awaiting=...)`, returning the full
`Understanding` (intent, intents and entities are then all scored) or just the intent."""


@dataclass(frozen=True, slots=True)
class LabelledMessage:
    """One customer message with the answer a careful human would give."""

    text: str
    intent: Intent
    intents: tuple[Intent, ...] = ()
    """Every request in the message, main first; empty when only `intent` is labelled."""
    entities: Entities = field(default_factory=lambda: Entities())
    invalid: tuple[EntityKind, ...] = ()
    awaiting: str | None = None
    """What the bot had asked for before this message, if the example needs that context."""


@dataclass(frozen=True, slots=True)
class IntentScore:
    """Precision and recall of one intent, with the counts they come from."""

    intent: Intent
    support: int
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        """Share of predictions of this intent that were right (0 when never predicted)."""
        predicted = self.true_positives + self.false_positives
        return self.true_positives / predicted if predicted else 0.0

    @property
    def recall(self) -> float:
        """Share of messages labelled with this intent that were found (0 without support)."""
        return self.true_positives / self.support if self.support else 0.0


@dataclass(frozen=True, slots=True)
class Miss:
    """A message whose main intent was predicted wrongly."""

    text: str
    expected: Intent
    predicted: Intent


@dataclass(frozen=True, slots=True)
class IntentReport:
    """Everything one evaluation run measured."""

    total: int
    correct: int
    per_intent: dict[Intent, IntentScore]
    confusion: dict[Intent, dict[Intent, int]]
    """confusion[expected][predicted] = count; only non-zero cells are present."""
    misses: tuple[Miss, ...]
    multi_total: int = 0
    """Examples labelled with an `intents` list."""
    multi_correct: int = 0
    entity_total: int = 0
    """Examples labelled with entities or invalid kinds."""
    entity_correct: int = 0

    @property
    def accuracy(self) -> float:
        """Share of messages whose main intent was right."""
        return self.correct / self.total if self.total else 0.0


def _is_intent(value: object) -> TypeGuard[Intent]:
    return isinstance(value, str) and value in INTENTS


def _is_entity_kind(value: object) -> TypeGuard[EntityKind]:
    return isinstance(value, str) and value in ENTITY_KINDS


def _parse(row: dict[str, Any], where: str) -> LabelledMessage:
    intent = row.get("intent")
    if not isinstance(row.get("text"), str) or not _is_intent(intent):
        raise ValueError(f"{where}: needs a text and a known intent, got {row!r}")
    intents = tuple(row.get("intents", ()))
    invalid = tuple(row.get("invalid", ()))
    if not all(_is_intent(i) for i in intents) or not all(_is_entity_kind(k) for k in invalid):
        raise ValueError(f"{where}: unknown intent or entity kind in {row!r}")
    entities = Entities()
    for kind, value in dict(row.get("entities", {})).items():
        if not _is_entity_kind(kind) or not isinstance(value, str):
            raise ValueError(f"{where}: bad entity {kind!r}={value!r}")
        entities[kind] = value
    awaiting = row.get("awaiting")
    return LabelledMessage(
        text=row["text"],
        intent=intent,
        intents=intents,
        entities=entities,
        invalid=invalid,
        awaiting=awaiting if isinstance(awaiting, str) else None,
    )


def load_labelled(path: Path = DEFAULT_DATASET) -> list[LabelledMessage]:
    """Read a JSONL file of labelled messages; a malformed line raises with its number."""
    examples: list[LabelledMessage] = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                examples.append(_parse(json.loads(line), f"{path.name}:{number}"))
    return examples


def _scores(pairs: Sequence[tuple[Intent, Intent]]) -> dict[Intent, IntentScore]:
    scores: dict[Intent, IntentScore] = {}
    for intent in INTENTS:
        tp = sum(1 for e, p in pairs if e == intent and p == intent)
        fp = sum(1 for e, p in pairs if e != intent and p == intent)
        fn = sum(1 for e, p in pairs if e == intent and p != intent)
        scores[intent] = IntentScore(intent, tp + fn, tp, fp, fn)
    return scores


def _takes_awaiting(classify_fn: ClassifyFn) -> bool:
    try:
        parameters = inspect.signature(classify_fn).parameters
    except (TypeError, ValueError):
        return False
    return "awaiting" in parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()
    )


def _predicted_intent(result: Understanding | str) -> Intent:
    intent = result.intent if isinstance(result, Understanding) else result
    if not _is_intent(intent):
        raise ValueError(f"classifier returned an unknown intent: {intent!r}")
    return intent


def evaluate(examples: Iterable[LabelledMessage], classify_fn: ClassifyFn) -> IntentReport:
    """Classify every example and measure accuracy, per-intent scores and confusions.

    Multi-intent and entity agreement are scored only when `classify_fn` returns the full
    `Understanding`; the bot's pending question is passed only if it accepts `awaiting`.
    """
    pass_awaiting = _takes_awaiting(classify_fn)
    pairs: list[tuple[Intent, Intent]] = []
    misses: list[Miss] = []
    confusion: dict[Intent, dict[Intent, int]] = {}
    multi_total = multi_correct = entity_total = entity_correct = 0
    for example in examples:
        if pass_awaiting:
            result = classify_fn(example.text, awaiting=example.awaiting)
        else:
            result = classify_fn(example.text)
        predicted = _predicted_intent(result)
        pairs.append((example.intent, predicted))
        row = confusion.setdefault(example.intent, {})
        row[predicted] = row.get(predicted, 0) + 1
        if predicted != example.intent:
            misses.append(Miss(example.text, example.intent, predicted))
        if not isinstance(result, Understanding):
            continue
        if example.intents:
            multi_total += 1
            multi_correct += tuple(result.intents) == example.intents
        if example.entities or example.invalid:
            entity_total += 1
            entity_correct += dict(result.entities) == dict(example.entities) and sorted(
                result.invalid
            ) == sorted(example.invalid)
    return IntentReport(
        total=len(pairs),
        correct=sum(1 for expected, predicted in pairs if expected == predicted),
        per_intent=_scores(pairs),
        confusion=confusion,
        misses=tuple(misses),
        multi_total=multi_total,
        multi_correct=multi_correct,
        entity_total=entity_total,
        entity_correct=entity_correct,
    )


def _ratio(hits: int, total: int) -> str:
    return f"{hits}/{total} ({hits / total:.1%})" if total else "n/a"


def render_report(report: IntentReport) -> Table:
    """Lay a report out as a rich table: one row per intent, totals in the caption."""
    table = Table(title="Intent classification", caption_justify="left")
    for header in ("intent", "support", "precision", "recall", "top confusion"):
        table.add_column(
            header, justify="left" if header in ("intent", "top confusion") else "right"
        )
    for intent, score in report.per_intent.items():
        wrong = {p: n for p, n in report.confusion.get(intent, {}).items() if p != intent}
        top = max(wrong.items(), key=lambda item: item[1]) if wrong else None
        table.add_row(
            intent,
            str(score.support),
            f"{score.precision:.2f}",
            f"{score.recall:.2f}",
            f"{top[0]} ({top[1]})" if top else "",
        )
    table.caption = (
        f"accuracy {_ratio(report.correct, report.total)} | "
        f"multi-intent {_ratio(report.multi_correct, report.multi_total)} | "
        f"entities {_ratio(report.entity_correct, report.entity_total)}"
    )
    return table
