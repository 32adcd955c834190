"""`atendente nlu`: train the understanding model and report how it does on real messages."""

from __future__ import annotations

from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.table import Table

from agent.language.classifier import classify
from agent.nlu import store
from agent.nlu.reader import understand
from composition.settings import get_settings
from evals.understanding_eval import SplitScore, score_splits

nlu_app = typer.Typer(
    name="nlu",
    help="The understanding model: train it from the shipped messages, report its accuracy.",
    no_args_is_help=True,
)


@nlu_app.command("train")
def train(
    force: Annotated[bool, typer.Option(help="Train again even if a model is cached.")] = False,
) -> None:
    """Train the model from agent/nlu/data (skipped when one for this data is cached)."""
    path = store.model_path()
    if path.exists() and not force:
        typer.echo(f"up to date: {path}")
        return
    store.train(path)
    typer.echo(f"trained: {path}")


def _overview(scores: list[SplitScore]) -> Table:
    table = Table(title="Understanding on real customer messages")
    for column in (
        "split",
        "reader",
        "messages",
        "intent acc.",
        "decided",
        "decided acc.",
        "problem acc.",
    ):
        table.add_column(column, justify="left" if column in ("split", "reader") else "right")
    for s in scores:
        share = s.decided / s.messages if s.messages else 0.0
        table.add_row(
            s.split,
            s.reader,
            str(s.messages),
            f"{s.intent_accuracy:.3f}",
            f"{s.decided} ({share:.0%})",
            f"{s.decided_accuracy:.3f}",
            f"{s.problem_accuracy:.3f}",
        )
    return table


def _calibration(s: SplitScore) -> Table:
    table = Table(title=f"Calibration, {s.reader}, {s.split} (stated confidence vs. observed)")
    for column in ("confidence", "messages", "mean stated", "accuracy"):
        table.add_column(column, justify="right")
    for b in s.calibration:
        table.add_row(
            f"[{b.low:.2f}, {b.high:.2f})",
            str(b.count),
            f"{b.mean_confidence:.3f}",
            f"{b.accuracy:.3f}",
        )
    return table


def _problems(s: SplitScore) -> Table:
    table = Table(title=f"Problem types, {s.reader}, {s.split}")
    for column in ("problem", "messages", "accuracy"):
        table.add_column(column, justify="left" if column == "problem" else "right")
    for label, (count, accuracy) in s.problem_by_type.items():
        table.add_row(label, str(count), f"{accuracy:.3f}")
    return table


def report(
    split: Annotated[
        Literal["dev", "test"],
        typer.Option(help="dev while you change things; test only to report, never to tune."),
    ] = "dev",
) -> None:
    """Score the lexicon alone and the lexicon with the model on one split of real messages."""
    threshold = get_settings().rules_confidence
    model = store.load_model()
    readers = {
        "lexicon alone": lambda text: classify(text),
        "lexicon + model": lambda text: understand(text, model, awaiting=None),
    }
    scores = score_splits(readers, [split], threshold)
    console = Console()
    console.print(_overview(scores))
    console.print(f"decided: confidence ≥ {threshold} (ATENDENTE_RULES_CONFIDENCE)")
    combined = scores[-1]
    console.print(_calibration(combined))
    console.print(_problems(combined))
    console.print(
        "commonest mistakes (predicted ← labelled): "
        + ", ".join(f"{p} ← {e} ({n})" for p, e, n in combined.confusions)
    )


nlu_app.command("report")(report)
