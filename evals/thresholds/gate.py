"""The CI gate: compare a run's summary with the minimums and maximums in a TOML file.

A threshold file names summary metrics by their path in report.json's `summary`
(`intent_accuracy`, `pass_hat_k.1`, `handoff.financeiro.recall`), so any metric the report
holds can be gated without code changes:

    [minimum]
    intent_accuracy = 0.96
    pass_hat_k.1 = 0.92      # TOML reads this as {pass_hat_k = {"1" = 0.92}}

    [maximum]
    leaks = 0
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

THRESHOLDS_DIR = Path(__file__).parent


class ThresholdsError(ValueError):
    """A threshold file that cannot be used, with the file and key in the message."""


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Bounds on summary metrics, keyed by dotted path."""

    minimum: dict[str, float] = field(default_factory=dict)
    maximum: dict[str, float] = field(default_factory=dict)
    source: str = ""


def _flatten(table: Mapping[str, Any], path: Path, prefix: str = "") -> dict[str, float]:
    flat: dict[str, float] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, path, f"{name}."))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            flat[name] = float(value)
        else:
            raise ThresholdsError(f"{path}: {name}: expected a number, got {value!r}")
    return flat


def load_thresholds(path: Path) -> Thresholds:
    """Read a threshold file.

    Raises:
        ThresholdsError: unreadable TOML, unknown sections or non-numeric bounds.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ThresholdsError(f"{path}: cannot read: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ThresholdsError(f"{path}: not valid TOML: {error}") from None
    unknown = set(data) - {"minimum", "maximum"}
    if unknown:
        raise ThresholdsError(
            f"{path}: unknown section(s) {', '.join(sorted(unknown))}; use [minimum] and [maximum]"
        )
    return Thresholds(
        minimum=_flatten(data.get("minimum", {}), path),
        maximum=_flatten(data.get("maximum", {}), path),
        source=str(path),
    )


def default_thresholds(brain: str) -> Path | None:
    """`evals/thresholds/<brain>.toml`, if the project keeps one for that brain."""
    candidate = THRESHOLDS_DIR / f"{brain}.toml"
    return candidate if candidate.is_file() else None


def _lookup(summary: Mapping[str, Any], dotted: str) -> float | None:
    value: Any = summary
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def check_thresholds(summary: Mapping[str, Any], thresholds: Thresholds) -> list[str]:
    """The missed thresholds, one readable line each; empty when the run passes.

    A metric the summary lacks is a miss too: a renamed metric must not pass the gate
    silently.
    """
    misses: list[str] = []
    for name, bound in thresholds.minimum.items():
        value = _lookup(summary, name)
        if value is None:
            misses.append(f"{name}: not in the report (minimum {bound:g})")
        elif value < bound:
            misses.append(f"{name} = {value:.4f}, below the minimum {bound:g}")
    for name, bound in thresholds.maximum.items():
        value = _lookup(summary, name)
        if value is None:
            misses.append(f"{name}: not in the report (maximum {bound:g})")
        elif value > bound:
            misses.append(f"{name} = {value:g}, above the maximum {bound:g}")
    return misses


def gate(summary: Mapping[str, Any], thresholds: Thresholds | None) -> dict[str, Any]:
    """The `summary.thresholds` block of report.json: passed, misses and the file used."""
    misses = check_thresholds(summary, thresholds) if thresholds else []
    return {
        "passed": not misses,
        "misses": misses,
        "source": thresholds.source if thresholds else None,
    }
