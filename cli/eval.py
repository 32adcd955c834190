"""`atendente eval`: score the agent on the recorded dialogues and gate on thresholds.

`run` plays the dataset against a brain and writes the reports; it exits 1 when a
threshold is missed (so CI can gate on it) and 2 when it cannot run at all (a malformed
dialogue, threshold or cassette file, a model brain with nothing to talk to, a replay that
meets a request its cassette does not hold, a LangSmith upload that fails).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from cli.failure import CommandFailure
from composition.model import ModelNotConfiguredError
from composition.settings import Settings, get_settings
from evals.cassette import CassetteError
from evals.dialogue import DATASET_DIR, DialogueFormatError, load_dialogues
from evals.execution import CassetteMissError, ModelCalls, RunSetupError, execute
from evals.langsmith_upload import LangSmithUploadError, upload_experiment
from evals.report import print_summary, write_reports
from evals.runner import BrainName, LLMMode
from evals.thresholds.gate import (
    Thresholds,
    ThresholdsError,
    default_thresholds,
    gate,
    load_thresholds,
)

eval_app = typer.Typer(
    name="eval",
    help="Score the agent on recorded dialogues: run the suite, compare runs, record dialogues.",
    no_args_is_help=True,
)


_fail = CommandFailure("atendente eval")


def shown(path: Path) -> str:
    """`path` relative to the working directory when it is inside it, for readable reports."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _thresholds(path: Path | None, brain: str) -> Thresholds | None:
    chosen = path or default_thresholds(brain)
    return load_thresholds(Path(shown(chosen))) if chosen else None


def _report_thresholds(report: dict[str, Any], console: Console) -> None:
    verdict = report["summary"]["thresholds"]
    if verdict["passed"]:
        if verdict["source"]:
            console.print(f"thresholds met ({verdict['source']})", highlight=False)
        return
    lines = "\n".join(f"  - {miss}" for miss in verdict["misses"])
    raise _fail(f"thresholds missed ({verdict['source']}):\n{lines}", code=1)


@eval_app.command("run")
def run(
    brain: Annotated[
        BrainName, typer.Option(help="The brain to evaluate: rules (offline) or openai.")
    ] = "rules",
    model: Annotated[
        str | None, typer.Option(help="Model for the openai brain (default: OPENAI_MODEL).")
    ] = None,
    trials: Annotated[
        int, typer.Option(min=1, help="Runs per dialogue; pass^k is reported for k up to it.")
    ] = 1,
    concurrency: Annotated[int, typer.Option(min=1, help="Dialogues running at once.")] = 4,
    out: Annotated[
        Path, typer.Option(help="Directory for report.json, report.md and report.html.")
    ] = Path(".eval-report"),
    dataset: Annotated[
        Path,
        typer.Option(
            help="A dialogue file or a directory of *.yaml dialogue files.",
            show_default="evals/dialogues",
        ),
    ] = DATASET_DIR,
    thresholds: Annotated[
        Path | None,
        typer.Option(help="Threshold file (default: evals/thresholds/<brain>.toml)."),
    ] = None,
    llm_cassette: Annotated[
        Path | None, typer.Option(help="File of recorded model requests and responses.")
    ] = None,
    llm_mode: Annotated[
        LLMMode,
        typer.Option(help="live: call the model; record: call it and save; replay: offline."),
    ] = "live",
    judge: Annotated[
        bool | None,
        typer.Option(
            "--judge/--no-judge",
            help="Score rubric turns with an LLM judge. Default: on when OPENAI_API_KEY (or "
            "Azure's) is set and calls are live or recorded.",
            show_default=False,
        ),
    ] = None,
    judge_model: Annotated[
        str | None, typer.Option(help="The judge's model (default: OPENAI_MODEL).")
    ] = None,
    langsmith: Annotated[
        bool, typer.Option(help="Upload the dataset and results to LangSmith (needs a key).")
    ] = False,
) -> None:
    """Run the dialogues against a brain, write the reports and gate on the thresholds.

    \f
    Long only in its signature: one typer option per parameter, with its help (the form
    feed above keeps this line out of `--help`).
    """  # noqa: D301
    console = Console()
    try:
        dialogues = load_dialogues(dataset)
        bounds = _thresholds(thresholds, brain)
    except (DialogueFormatError, ThresholdsError) as error:
        raise _fail(str(error)) from None
    settings = get_settings()
    if langsmith and settings.langsmith_api_key is None:
        raise _fail("--langsmith needs LANGSMITH_API_KEY")
    if judge is None:
        judge = settings.llm_key is not None and llm_mode != "replay"
    calls = ModelCalls(mode=llm_mode, cassette=llm_cassette, judge=judge, judge_model=judge_model)
    try:
        report = asyncio.run(
            execute(
                dialogues,
                brain_name=brain,
                calls=calls,
                settings=settings,
                model=model,
                trials=trials,
                concurrency=concurrency,
                dataset=shown(dataset),
            )
        )
    except ModelNotConfiguredError as error:
        raise _fail(
            f"{error}; or replay a recorded run with --llm-cassette FILE --llm-mode replay"
        ) from None
    except (RunSetupError, CassetteError, CassetteMissError) as error:
        raise _fail(str(error)) from None
    report["summary"]["thresholds"] = gate(report["summary"], bounds)
    write_reports(report, out)
    print_summary(report, console)
    console.print(f"reports in {out}", highlight=False)
    if llm_mode == "record" and llm_cassette is not None:
        console.print(f"model calls recorded in {llm_cassette}", highlight=False, soft_wrap=True)
    if langsmith:
        _upload(report, settings, console)
    _report_thresholds(report, console)


def _upload(report: dict[str, Any], settings: Settings, console: Console) -> None:
    """Send the run to LangSmith as an experiment; a failure ends the command with exit 2."""
    assert settings.langsmith_api_key is not None
    try:
        answer = asyncio.run(
            upload_experiment(
                report,
                api_key=settings.langsmith_api_key.get_secret_value(),
                endpoint=settings.langsmith_endpoint,
            )
        )
    except LangSmithUploadError as error:
        raise _fail(str(error)) from None
    console.print(
        f"uploaded to LangSmith: experiment {answer['experiment']['name']!r} "
        f"on dataset {answer['dataset']['name']!r}",
        highlight=False,
    )


from cli.eval_compare import compare  # noqa: E402

eval_app.command("compare")(compare)

from cli.eval_record import record  # noqa: E402

eval_app.command("record")(record)
