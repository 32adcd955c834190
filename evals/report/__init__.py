"""The eval run's reports: report.json to read back, report.md to paste, report.html to browse.

Each format lives in its own module and renders the rows of `view`, so they agree; the
terminal summary is `print_summary`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evals.report.html import write_html
from evals.report.json_report import write_report_json
from evals.report.markdown import write_markdown
from evals.report.terminal import print_summary

__all__ = ["print_summary", "write_report_json", "write_reports"]


def write_reports(report: Mapping[str, Any], out_dir: Path) -> list[Path]:
    """Write report.json, report.md and report.html in `out_dir` (created if needed).

    Returns:
        The paths written, JSON first.
    """
    return [
        write_report_json(report, out_dir),
        write_markdown(report, out_dir),
        write_html(report, out_dir),
    ]
