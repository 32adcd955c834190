"""One eval run with its model plumbing: live, recorded or replayed calls, and the judge.

The runner only needs an HTTP client for the model; this module decides which one from
the command line's choices, refuses the combinations that cannot work before anything
runs (recording with no model to record, a judge with no model), saves the cassette of a
recorded run and fails a replay that met a request the cassette does not hold, since its
scores would then silently be the fallback's, not the recorded model's.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from composition.model import build_chat_model
from composition.settings import Settings
from evals.cassette import Cassette, CassetteTransport, Miss, recording_meta
from evals.dialogue import Dialogue
from evals.judge import judge_report
from evals.runner import BrainName, LLMMode, eval_settings, run_suite

MISSES_SHOWN = 5


class RunSetupError(ValueError):
    """The run's options cannot work together; the message says what to change."""


class CassetteMissError(RuntimeError):
    """A replayed run sent requests the cassette does not hold."""

    def __init__(self, misses: list[Miss]) -> None:
        """Keep the misses and say what they mean."""
        self.misses = misses
        shown = "\n".join(f"  - {miss.describe()}" for miss in misses[:MISSES_SHOWN])
        more = len(misses) - MISSES_SHOWN
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(
            f"{len(misses)} model request(s) are not in the cassette (the prompts, tools, "
            f"dialogues or model changed since it was recorded; record it again with "
            f"--llm-mode record):\n{shown}{tail}"
        )


@dataclass(frozen=True, slots=True)
class ModelCalls:
    """How the run reaches the model: live, or through a cassette file."""

    mode: LLMMode = "live"
    cassette: Path | None = None
    judge: bool = False
    judge_model: str | None = None

    def validate(self, settings: Settings) -> None:
        """Refuse what cannot work, before the run starts.

        Raises:
            RunSetupError: With the option to change.
        """
        if self.mode == "live" and self.cassette is not None:
            raise RunSetupError("--llm-cassette needs --llm-mode record or --llm-mode replay")
        if self.mode != "live" and self.cassette is None:
            raise RunSetupError(f"--llm-mode {self.mode} needs --llm-cassette FILE")
        if self.mode == "replay" and self.cassette is not None and not self.cassette.is_file():
            raise RunSetupError(f"{self.cassette}: no such cassette; record one first")
        if self.mode != "replay" and not settings.model_configured:
            if self.mode == "record":
                raise RunSetupError(
                    "recording needs a model: set OPENAI_API_KEY (or AZURE_OPENAI_* or "
                    "OPENAI_BASE_URL)"
                )
            if self.judge:
                raise RunSetupError(
                    "--judge needs a model: set OPENAI_API_KEY (or AZURE_OPENAI_* or "
                    "OPENAI_BASE_URL), or replay a recorded run with --llm-mode replay"
                )


def _recorder(
    calls: ModelCalls,
    settings: Settings,
    brain_name: BrainName,
    model: str | None,
    dataset: str,
    transport: httpx.AsyncBaseTransport | None,
) -> CassetteTransport | None:
    """The cassette the run records into or replays from (None for live calls)."""
    if calls.mode == "record":
        model_name = eval_settings(settings, brain_name, model).openai_model
        meta = recording_meta(
            brain=brain_name,
            model=model_name if brain_name == "openai" else None,
            dataset=dataset,
        )
        return CassetteTransport(Cassette(meta=meta), "record", inner=transport)
    if calls.mode == "replay":
        assert calls.cassette is not None
        return CassetteTransport(Cassette.load(calls.cassette), "replay")
    return None


async def execute(
    dialogues: list[Dialogue],
    *,
    brain_name: BrainName,
    calls: ModelCalls,
    settings: Settings,
    model: str | None = None,
    trials: int = 1,
    concurrency: int = 4,
    dataset: str = "",
    transport: httpx.AsyncBaseTransport | None = None,
) -> dict[str, Any]:
    """Run the suite (and the judge) with the model calls `calls` asks for; the report.

    One function because one HTTP client, the cassette's, must live across the suite and
    the judge, and the cassette is checked and saved only once both are done.

    Args:
        dialogues: The dataset.
        brain_name: The brain under evaluation.
        calls: Live, record or replay, the cassette and the judge.
        settings: Base settings (the model's key, server and name).
        model: The agent's model (default: the settings' model).
        trials: Runs per dialogue.
        concurrency: Trials in flight.
        dataset: Where the dialogues came from, for the report.
        transport: Where live and recorded requests go (default: the network); tests
            pass an in-process model server.

    Raises:
        RunSetupError: The options cannot work together.
        ModelNotConfiguredError: A model brain with nothing to talk to.
        CassetteMissError: A replay met requests the cassette does not hold.
    """
    calls.validate(settings)
    recorder = _recorder(calls, settings, brain_name, model, dataset, transport)
    async with AsyncExitStack() as stack:
        client: httpx.AsyncClient | None = None
        if recorder is not None or transport is not None:
            client = await stack.enter_async_context(
                httpx.AsyncClient(transport=recorder or transport)
            )
        report = await run_suite(
            dialogues,
            brain_name=brain_name,
            model=model,
            trials=trials,
            concurrency=concurrency,
            llm_http_client=client,
            settings=settings,
            dataset=dataset,
            mode=calls.mode,
        )
        if calls.judge:
            judge_name = calls.judge_model or settings.openai_model
            judge = build_chat_model(
                settings.model_copy(update={"openai_model": judge_name}),
                http_async_client=client,
            )
            report["judge"] = await judge_report(
                report, judge, model=judge_name, concurrency=concurrency
            )
            report["summary"]["judge_pass_rate"] = report["judge"]["pass_rate"]
    if recorder is not None:
        assert calls.cassette is not None
        if recorder.misses:
            raise CassetteMissError(recorder.misses)
        if calls.mode == "record":
            recorder.cassette.save(calls.cassette)
        report["run"]["cassette"] = {
            "path": str(calls.cassette),
            "exchanges": len(recorder.cassette),
        }
    return report


__all__ = [
    "CassetteMissError",
    "ModelCalls",
    "RunSetupError",
    "execute",
]
