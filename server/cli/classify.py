"""`atendente classify`: run the rules classifier on lines of text, or score it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from agent.brains.rules.classifier import classify as classify_message
from evals.intent_eval import evaluate, load_labelled, render_report


def classify(
    eval_file: Annotated[
        Path | None,
        typer.Option("--eval", help="A labelled JSONL file: print precision, recall, accuracy."),
    ] = None,
) -> None:
    """Print {intent, entities, confidence} for each stdin line, or evaluate a labelled set."""
    if eval_file is not None:
        if not eval_file.is_file():
            raise typer.BadParameter(f"no such file: {eval_file}", param_hint="--eval")
        report = evaluate(load_labelled(eval_file), classify_message)
        Console().print(render_report(report))
        return
    for line in sys.stdin:
        understanding = classify_message(line.rstrip("\n"))
        typer.echo(
            json.dumps(
                {
                    "intent": understanding.intent,
                    "entities": dict(understanding.entities),
                    "confidence": round(understanding.confidence, 3),
                },
                ensure_ascii=False,
            )
        )
