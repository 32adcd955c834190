"""`atendente classify`: understand lines of text offline (lexicon and model), or score it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from agent.nlu.reader import understand
from agent.nlu.store import load_model
from agent.understanding import Understanding
from evals.intent_eval import evaluate, load_labelled, render_report


def classify(
    eval_file: Annotated[
        Path | None,
        typer.Option("--eval", help="A labelled JSONL file: print precision, recall, accuracy."),
    ] = None,
) -> None:
    """Print {intent, entities, confidence, problem} for each stdin line, or score a file."""
    model = load_model()

    def classify_message(text: str, awaiting: str | None = None) -> Understanding:
        return understand(text, model, awaiting=awaiting)

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
                    "intents": understanding.intents,
                    "problem": understanding.problem,
                },
                ensure_ascii=False,
            )
        )
