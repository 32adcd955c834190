"""Score offline understanding on the real customer messages, split by split.

A prediction counts when it is one of the message's acceptable intents. Besides accuracy
the report shows what hybrid routing relies on: how many messages are decided without the
language model at a confidence threshold and how often those are right, a calibration
table (stated confidence against observed accuracy, as Rasa's confidence histograms
do), and problem-type accuracy overall and per type. The lexicon alone is scored on the
same messages, to show what the trained model adds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from agent.nlu.corpus import Example, Split, real_examples
from agent.understanding import Understanding
from tools.problems import PROBLEM_TYPES

Reader = Callable[[str], Understanding]
CALIBRATION_BINS: tuple[float, ...] = (0.0, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0)


@dataclass(frozen=True, slots=True)
class Bin:
    """Messages whose stated confidence fell in [low, high)."""

    low: float
    high: float
    count: int
    mean_confidence: float
    accuracy: float


@dataclass(frozen=True, slots=True)
class SplitScore:
    """How one reader did on one split."""

    reader: str
    split: str
    messages: int
    intent_accuracy: float
    threshold: float
    decided: int
    """Messages at or above the threshold (decided without the language model)."""
    decided_accuracy: float
    problem_accuracy: float
    problem_by_type: dict[str, tuple[int, float]] = field(default_factory=dict)
    """Per labelled problem type ('none' included): (messages, accuracy)."""
    calibration: tuple[Bin, ...] = ()
    confusions: tuple[tuple[str, str, int], ...] = ()
    """The commonest (predicted, labelled) mistakes."""


def intent_correct(predicted: Understanding, example: Example) -> bool:
    """The main intent is one a careful attendant could defend."""
    return predicted.intent in example.acceptable


def problem_correct(predicted: Understanding, example: Example) -> bool:
    """The problem is one the message names, or none when it names none."""
    if example.problem is None:
        return predicted.problem is None
    return predicted.problem in example.problems


def _ratio(hits: int, total: int) -> float:
    return round(hits / total, 4) if total else 0.0


def _calibration(pairs: Sequence[tuple[float, bool]]) -> tuple[Bin, ...]:
    bins = []
    edges = CALIBRATION_BINS
    for low, high in zip(edges, edges[1:], strict=False):
        inside = [(c, ok) for c, ok in pairs if low <= c < high or (high == 1.0 and c == 1.0)]
        if not inside:
            continue
        mean = sum(c for c, _ in inside) / len(inside)
        bins.append(
            Bin(
                low,
                high,
                len(inside),
                round(mean, 4),
                _ratio(sum(ok for _, ok in inside), len(inside)),
            )
        )
    return tuple(bins)


def score(
    name: str, read: Reader, examples: Sequence[Example], split: str, threshold: float
) -> SplitScore:
    """Score `read` on `examples`."""
    predictions = [read(example.text) for example in examples]
    pairs = list(zip(predictions, examples, strict=True))
    right = [intent_correct(p, e) for p, e in pairs]
    decided = [ok for (p, _), ok in zip(pairs, right, strict=True) if p.confidence >= threshold]
    by_type: dict[str, tuple[int, float]] = {}
    for kind in (*PROBLEM_TYPES, None):
        subset = [(p, e) for p, e in pairs if e.problem == kind]
        if subset:
            hits = sum(problem_correct(p, e) for p, e in subset)
            by_type[kind or "none"] = (len(subset), _ratio(hits, len(subset)))
    mistakes = Counter(
        (p.intent, e.intent) for (p, e), ok in zip(pairs, right, strict=True) if not ok
    )
    return SplitScore(
        reader=name,
        split=split,
        messages=len(examples),
        intent_accuracy=_ratio(sum(right), len(right)),
        threshold=threshold,
        decided=len(decided),
        decided_accuracy=_ratio(sum(decided), len(decided)),
        problem_accuracy=_ratio(sum(problem_correct(p, e) for p, e in pairs), len(pairs)),
        problem_by_type=by_type,
        calibration=_calibration(
            [(p.confidence, ok) for (p, _), ok in zip(pairs, right, strict=True)]
        ),
        confusions=tuple((a, b, n) for (a, b), n in mistakes.most_common(8)),
    )


def score_splits(
    readers: dict[str, Reader], splits: Sequence[Split], threshold: float
) -> list[SplitScore]:
    """Every reader on every split, each split reported on its own."""
    return [
        score(name, read, real_examples(split), split, threshold)
        for split in splits
        for name, read in readers.items()
    ]
