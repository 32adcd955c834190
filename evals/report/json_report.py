"""report.json: the run's full record, the one other tools (compare, dashboards) read back."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

FILENAME = "report.json"


def write_report_json(report: Mapping[str, Any], out_dir: Path) -> Path:
    """Write report.json in `out_dir`, created if needed, and return its path.

    Non-ASCII text is kept as is, so the customers' Portuguese stays readable in a diff.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / FILENAME
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
