"""A saved report.json, read and checked: what a comparison needs, and nothing else.

Reports are read back weeks after they were written (a CI baseline against tonight's
run), so every field used is validated with the file and the field in the error, and
unknown fields are ignored so that newer reports still load.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, NonNegativeInt, PositiveInt, ValidationError

from evals.runner import REPORT_FORMAT


class ReportError(ValueError):
    """A report that cannot be compared, with the file and the reason in the message."""


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class CheckRecord(_Record):
    """One check of one turn, as report.json stores it."""

    kind: str
    ok: bool
    expected: Any = None
    detail: str = ""


class TurnRecord(_Record):
    """One customer turn of one trial."""

    index: int
    checks: tuple[CheckRecord, ...] = ()


class RunRecord(_Record):
    """One trial of a dialogue."""

    passed: bool
    turns: tuple[TurnRecord, ...] = ()
    errors: tuple[str, ...] = ()


class DialogueRecord(_Record):
    """A dialogue with its trials."""

    id: str
    trials: PositiveInt
    successes: NonNegativeInt
    runs: tuple[RunRecord, ...] = ()

    @property
    def rate(self) -> float:
        """Share of trials that passed."""
        return self.successes / self.trials


class LLMSummary(_Record):
    """Model usage per turn."""

    calls_per_turn: float = 0.0
    cost_per_turn_usd: float = 0.0


class LatencySummary(_Record):
    """Turn latency in milliseconds."""

    p50: float
    p95: float


class SummaryRecord(_Record):
    """The metrics of a run."""

    pass_hat_k: dict[str, float]
    assertion_pass_rate: float
    intent_accuracy: float
    tool_match_rate: float
    leaks: NonNegativeInt
    llm: LLMSummary
    latency_ms: LatencySummary


class RunInfo(_Record):
    """How a run was made, to tell the two sides apart in the output."""

    brain: str
    model: str | None = None
    trials: PositiveInt = 1
    dataset: str = ""
    started_at: str = ""
    prompt_version: str | None = None


class Report(_Record):
    """The parts of report.json a comparison reads."""

    format: str
    run: RunInfo
    summary: SummaryRecord
    dialogues: tuple[DialogueRecord, ...]


def report_path(path: Path) -> Path:
    """report.json inside `path` when it is a directory (as `eval run --out` writes it)."""
    return path / "report.json" if path.is_dir() else path


def load_report(path: Path) -> Report:
    """Read and check one report (a report.json, or the directory that holds it).

    Raises:
        ReportError: missing, unreadable, not JSON, another format, or missing fields.
    """
    file = report_path(path)
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(f"{file}: no such file") from None
    except OSError as error:
        raise ReportError(f"{file}: cannot read: {error.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ReportError(f"{file}: not valid JSON: {error}") from None
    if not isinstance(raw, dict):
        raise ReportError(f"{file}: expected a JSON object (an eval report)")
    if raw.get("format") != REPORT_FORMAT:
        raise ReportError(
            f"{file}: unsupported format {raw.get('format')!r}; this reads {REPORT_FORMAT!r}"
        )
    try:
        report = Report.model_validate(raw)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ReportError(f"{file}: {where}: {first['msg']}") from None
    seen: set[str] = set()
    for dialogue in report.dialogues:
        if dialogue.id in seen:
            raise ReportError(f"{file}: dialogue {dialogue.id!r} appears twice")
        seen.add(dialogue.id)
    return report
