"""The report's plots as inline SVG, drawn from the numbers alone.

Plain SVG strings keep report.html one self-contained file that opens anywhere, offline,
with no plotting library, script or font to load. Every label goes through `html.escape`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence

FONT = 11
CHAR_WIDTH = 6.6
"""Rough width of one character at FONT px, to size the margins for the labels."""
GOOD = "#2e7d32"
BAD = "#c62828"
INK = "#222"
FAINT = "#ddd"


def _text(x: float, y: float, text: str, **attributes: str | float) -> str:
    extra = "".join(f' {key.replace("_", "-")}="{value}"' for key, value in attributes.items())
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{html.escape(text)}</text>'


def _rect(x: float, y: float, width: float, height: float, **attributes: str | float) -> str:
    extra = "".join(f' {key.replace("_", "-")}="{value}"' for key, value in attributes.items())
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}"{extra}/>'


def _line(x1: float, y1: float, x2: float, y2: float, **attributes: str | float) -> str:
    extra = "".join(f' {key.replace("_", "-")}="{value}"' for key, value in attributes.items())
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"{extra}/>'


def _svg(title: str, width: float, height: float, parts: Sequence[str]) -> str:
    return (
        f'<svg class="plot" role="img" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-size="{FONT}" '
        f'font-family="sans-serif" fill="{INK}">'
        f"<title>{html.escape(title)}</title>{''.join(parts)}</svg>"
    )


def empty(title: str, message: str) -> str:
    """A placeholder plot, so the page keeps its layout when a run has nothing to draw."""
    return _svg(title, 360, 40, [_text(8, 24, message, fill="#666")])


def _label_width(labels: Sequence[str]) -> float:
    return max((len(label) for label in labels), default=0) * CHAR_WIDTH + 12


def _cell(x: float, y: float, size: float, count: int, support: int, *, hit: bool) -> list[str]:
    """One confusion-matrix cell; errors get a floor of shade so a single one is visible."""
    parts = [_rect(x, y, size, size, fill="#fff", stroke=FAINT)]
    if count:
        opacity = max(count / support, 0.12 if hit else 0.3)
        color = GOOD if hit else BAD
        parts.append(_rect(x, y, size, size, fill=color, fill_opacity=f"{opacity:.2f}"))
        ink = "#fff" if opacity > 0.55 else INK
        parts.append(
            _text(x + size / 2, y + size / 2 + 4, str(count), text_anchor="middle", fill=ink)
        )
    return parts


def confusion_matrix(labels: Sequence[str], counts: Mapping[str, Mapping[str, int]]) -> str:
    """A heatmap of expected (rows) against predicted (columns) intents, counts in the cells.

    Shade is the cell's share of its row, green on the diagonal and red off it, so a
    confusion stands out however large the intent's support.
    """
    title = "Intent confusion matrix"
    if not labels:
        return empty(title, "No turn expected an intent.")
    cell = 34.0
    left = _label_width(labels) + 18
    top = 24.0
    grid = cell * len(labels)
    bottom = _label_width(labels) * 0.72 + 12
    parts = [_text(left + grid / 2, 14, "predicted", text_anchor="middle", font_weight="bold")]
    parts.append(
        _text(
            12,
            top + grid / 2,
            "expected",
            text_anchor="middle",
            font_weight="bold",
            transform=f"rotate(-90 12 {top + grid / 2:.1f})",
        )
    )
    for row, expected in enumerate(labels):
        y = top + row * cell
        parts.append(_text(left - 6, y + cell / 2 + 4, expected, text_anchor="end"))
        support = sum(counts.get(expected, {}).values())
        for column, predicted in enumerate(labels):
            x = left + column * cell
            count = counts.get(expected, {}).get(predicted, 0)
            parts += _cell(x, y, cell, count, support, hit=row == column)
    for column, predicted in enumerate(labels):
        x = left + column * cell + cell / 2
        y = top + grid + 10
        parts.append(
            _text(x, y, predicted, text_anchor="end", transform=f"rotate(-45 {x:.1f} {y:.1f})")
        )
    return _svg(title, left + grid + 16, top + grid + bottom, parts)


def accuracy_bars(rows: Sequence[tuple[str, float, int]]) -> str:
    """Horizontal bars of per-intent accuracy, with the accuracy and support beside each."""
    title = "Accuracy per intent"
    if not rows:
        return empty(title, "No turn expected an intent.")
    left = _label_width([label for label, _, _ in rows])
    span = 320.0
    height = 20.0
    top = 8.0
    parts: list[str] = []
    for row, (label, accuracy, support) in enumerate(rows):
        y = top + row * height
        parts.append(_text(left - 6, y + 14, label, text_anchor="end"))
        parts.append(_rect(left, y + 3, span, height - 6, fill="#f1f1f1"))
        color = GOOD if accuracy >= 0.9 else BAD
        parts.append(_rect(left, y + 3, span * accuracy, height - 6, fill=color))
        parts.append(_text(left + span + 6, y + 14, f"{accuracy:.3f} (n={support})"))
    axis = top + len(rows) * height + 4
    for tick in (0.0, 0.5, 1.0):
        x = left + span * tick
        parts.append(_line(x, top, x, axis, stroke="#999", stroke_dasharray="2 3"))
        parts.append(_text(x, axis + 13, f"{tick:g}", text_anchor="middle"))
    return _svg(title, left + span + 110, axis + 20, parts)


def _nice_step(largest: float, ticks: int = 5) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving about `ticks` axis ticks."""
    raw = max(largest, 1e-9) / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def histogram(values: Sequence[float], markers: Mapping[str, float]) -> str:
    """Turn latency distribution in milliseconds, with vertical lines at `markers`."""
    title = "Turn latency (ms)"
    if not values:
        return empty(title, "No turn was played.")
    bins = max(1, min(30, math.ceil(math.sqrt(len(values)))))
    largest = max(values) or 1.0
    step = _nice_step(largest, bins)
    bins = max(1, math.ceil(largest / step))
    counts = [0] * bins
    for value in values:
        counts[min(int(value // step), bins - 1)] += 1
    left, top, width, height = 44.0, 12.0, 520.0, 180.0
    bar = width / bins
    peak = max(counts)
    parts: list[str] = []
    for index, count in enumerate(counts):
        if count:
            tall = height * count / peak
            parts.append(
                _rect(left + index * bar + 1, top + height - tall, bar - 2, tall, fill="#4f6d8f")
            )
    parts.append(_line(left, top + height, left + width, top + height, stroke=INK))
    parts.append(_line(left, top, left, top + height, stroke=INK))
    for y_tick in sorted({0, peak}):
        y = top + height - height * y_tick / peak
        parts.append(_text(left - 6, y + 4, str(y_tick), text_anchor="end"))
    every = max(1, math.ceil(bins / 8))
    for index in range(0, bins + 1, every):
        x = left + index * bar
        parts.append(_line(x, top + height, x, top + height + 4, stroke=INK))
        parts.append(_text(x, top + height + 16, f"{index * step:g}", text_anchor="middle"))
    parts.append(_text(left + width / 2, top + height + 32, "milliseconds", text_anchor="middle"))
    for row, (name, value) in enumerate(markers.items()):
        x = left + width * min(value / (step * bins), 1.0)
        parts.append(_line(x, top, x, top + height, stroke=BAD, stroke_dasharray="4 3"))
        parts.append(_text(x + 3, top + 10 + 12 * row, f"{name} {value:.0f}", fill=BAD))
    return _svg(title, left + width + 60, top + height + 40, parts)
