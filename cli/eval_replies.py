"""`atendente eval replies`: the first reply to every real message of a corpus split."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Literal

import typer

from agent.nlu.corpus import real_examples
from composition.settings import get_settings
from evals.first_replies import dialogue_of, summary_lines
from evals.report import write_reports
from evals.runner import run_suite


def replies(
    split: Annotated[
        Literal["train", "dev", "test"],
        typer.Option(help="The corpus split; tune on dev, report test, never tune on it."),
    ] = "dev",
    out: Annotated[
        Path | None, typer.Option(help="Also write report.json, report.md and report.html here.")
    ] = None,
) -> None:
    """Play every message of a split as a new conversation and score the first replies."""
    dialogues = [dialogue_of(example) for example in real_examples(split)]
    report = asyncio.run(
        run_suite(
            dialogues,
            brain_name="rules",
            settings=get_settings(),
            dataset=f"agent/nlu/data/real_messages.jsonl ({split})",
        )
    )
    if out is not None:
        write_reports(report, out)
    for line in summary_lines(report, split):
        typer.echo(line)
