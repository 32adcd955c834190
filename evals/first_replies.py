"""First replies to real customers: every message of a corpus split as a new conversation.

Each message of `agent/nlu/data/real_messages.jsonl` becomes a one-turn dialogue with its
labels as expectations (acceptable intents, problem types) and the good-attendant checks
of `evals.reply_checks`. `atendente eval replies --split dev|test` plays a whole split
through the real graph and reports, besides each check's rate, the share of messages
whose first reply passes all four; `real_complaints.yaml` in the eval dataset holds a
fixed sample of the test split built the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agent.nlu.corpus import Example
from evals.dialogue import NO_PROBLEM, Dialogue, Expectation, ReplyExpectation, Turn
from evals.metrics import REPLY_CHECKS

STRANGER = "+5511900000123"
"""The sender: a phone that owns no demo order, as most first contacts do not."""


def expectation(example: Example) -> Expectation:
    """What the first reply to this message must do."""
    complaint = example.intent != "other" or example.problem is not None
    return Expectation(
        intent=example.acceptable,
        problem=example.problems or (NO_PROBLEM,),
        reply=ReplyExpectation(
            understood=True if complaint else None,
            acknowledges=True if example.problem else None,
            apologises=True if example.upset else None,
            no_premature_agreement=True,
        ),
    )


def dialogue_of(example: Example) -> Dialogue:
    """The one-turn dialogue of a corpus message."""
    what = f"reports {example.problem}" if example.problem else f"asks for {example.intent}"
    return Dialogue.model_validate(
        {
            "id": f"real-{example.id}",
            "description": f"A real customer ({example.id}, {example.split} split) {what}.",
            "tags": ["real", example.intent, *([example.problem] if example.problem else [])],
            "store": "demo",
            "customer": {"phone": STRANGER},
            "turns": [Turn(say=example.text, expect=expectation(example))],
        }
    )


def all_checks_rate(report: dict[str, Any]) -> float:
    """Share of first replies that pass every good-attendant check they have."""
    turns = [turn for dialogue in report["dialogues"] for turn in dialogue["runs"][0]["turns"]]
    passing = sum(
        all(check["ok"] for check in turn["checks"] if check["kind"] in REPLY_CHECKS)
        for turn in turns
    )
    return passing / len(turns) if turns else 1.0


def summary_lines(report: dict[str, Any], split: str) -> Sequence[str]:
    """The figures a prompt engineer reads after a run."""
    summary = report["summary"]
    lines = [
        f"{split}: {summary['dialogues']} first replies",
        f"  all four reply checks pass: {all_checks_rate(report):.3f}",
    ]
    for kind, scores in summary["reply_checks"].items():
        lines.append(f"  {kind.replace('_', ' ')}: {scores['rate']:.3f} ({scores['checks']})")
    lines.append(f"  intent accuracy: {summary['intent_accuracy']:.3f}")
    lines.append(f"  problem accuracy: {summary['problem_accuracy']:.3f}")
    return lines
