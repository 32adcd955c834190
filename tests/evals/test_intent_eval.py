from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from agent.language.classifier import classify
from agent.understanding import INTENTS, Understanding
from evals.intent_eval import (
    DEFAULT_DATASET,
    LabelledMessage,
    evaluate,
    load_labelled,
    render_report,
)


def _scripted(answers: dict[str, str]) -> Callable[[str], str]:
    def classify_fn(text: str) -> str:
        return answers[text]

    return classify_fn


def test_precision_recall_and_confusion_on_a_hand_made_case() -> None:
    examples = [
        LabelledMessage("a", "payment"),
        LabelledMessage("b", "payment"),
        LabelledMessage("c", "refund"),
        LabelledMessage("d", "refund"),
        LabelledMessage("e", "other"),
    ]
    # a, c, e right; b read as refund; d read as payment.
    predicted = {"a": "payment", "b": "refund", "c": "refund", "d": "payment", "e": "other"}
    report = evaluate(examples, _scripted(predicted))

    assert report.total == 5
    assert report.correct == 3
    assert report.accuracy == pytest.approx(0.6)
    payment = report.per_intent["payment"]
    assert (payment.true_positives, payment.false_positives, payment.false_negatives) == (1, 1, 1)
    assert payment.precision == pytest.approx(0.5)
    assert payment.recall == pytest.approx(0.5)
    assert report.per_intent["other"].precision == 1.0
    assert report.per_intent["other"].recall == 1.0
    unseen = report.per_intent["greeting"]
    assert (unseen.support, unseen.precision, unseen.recall) == (0, 0.0, 0.0)
    assert report.confusion == {
        "payment": {"payment": 1, "refund": 1},
        "refund": {"refund": 1, "payment": 1},
        "other": {"other": 1},
    }
    assert {(m.text, m.expected, m.predicted) for m in report.misses} == {
        ("b", "payment", "refund"),
        ("d", "refund", "payment"),
    }


def test_full_understanding_scores_intents_entities_and_passes_awaiting() -> None:
    seen: list[str | None] = []

    def classify_fn(text: str, *, awaiting: str | None = None) -> Understanding:
        seen.append(awaiting)
        return Understanding(
            intent="provide_info",
            intents=["provide_info"],
            entities={"order_number": text},
            confidence=0.9,
        )

    examples = [
        LabelledMessage("1001", "provide_info", entities={"order_number": "1001"}),
        LabelledMessage(
            "1002", "provide_info", entities={"order_number": "9"}, awaiting="identity"
        ),
        LabelledMessage("1003", "provide_info", intents=("provide_info", "payment")),
    ]
    report = evaluate(examples, classify_fn)
    assert seen == [None, "identity", None]
    assert (report.entity_correct, report.entity_total) == (1, 2)
    assert (report.multi_correct, report.multi_total) == (0, 1)


def test_load_labelled_rejects_unknown_intents(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "oi", "intent": "greeting"}\n{"text": "x", "intent": "nope"}\n')
    with pytest.raises(ValueError, match="bad.jsonl:2"):
        load_labelled(path)


def test_render_report_is_a_table() -> None:
    report = evaluate([LabelledMessage("oi", "greeting")], _scripted({"oi": "greeting"}))
    console = Console(width=120, record=True)
    console.print(render_report(report))
    output = console.export_text()
    assert "greeting" in output
    assert "accuracy 1/1 (100.0%)" in output


def test_dataset_is_large_varied_and_well_formed() -> None:
    examples = load_labelled(DEFAULT_DATASET)
    assert len(examples) >= 240
    counts = Counter(example.intent for example in examples)
    assert all(counts[intent] >= 12 for intent in INTENTS), counts
    assert len({example.text for example in examples}) >= len(examples) - 10
    assert sum(1 for example in examples if len(example.intents) > 1) >= 8
    lines = DEFAULT_DATASET.read_text(encoding="utf-8").splitlines()
    assert all(json.loads(line)["text"] for line in lines)


def test_rules_classifier_accuracy_floor() -> None:
    report = evaluate(load_labelled(DEFAULT_DATASET), classify)
    summary = (
        f"accuracy {report.accuracy:.3f} on {report.total}; "
        f"multi {report.multi_correct}/{report.multi_total}; "
        f"entities {report.entity_correct}/{report.entity_total}; misses {report.misses}"
    )
    assert report.accuracy >= 0.90, summary
    assert report.entity_correct >= 0.95 * report.entity_total, summary
    assert report.multi_correct >= 0.8 * report.multi_total, summary
