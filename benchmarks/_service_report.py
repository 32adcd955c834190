"""What the service benchmark measured, the targets it is held to, and how both are shown."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

MAX_ACK_RATIO = 2.0
"""The real webhook's p50 and p99 may be at most this multiple of the bare app's."""
MIN_MESSAGES_PER_PROCESS = 100.0
"""Each worker process must answer at least this many messages per second."""


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile, so p99 is a latency some request really had (0 if none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(share * len(ordered) - 1e-9)))
    return ordered[rank - 1]


@dataclass(slots=True)
class AckRow:
    """One app at one target rate of signed webhooks."""

    app: str
    rate: float
    requests: int
    ok: int
    achieved_rate: float
    sent_rate: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    generator_lag_p99_ms: float
    server_cpu_us: float
    """The server process's CPU time during the run, per request."""
    machine_cores_busy: float
    """Every process's CPU seconds per wall second meanwhile: ours, the generator's, others'."""
    errors: dict[str, int] = field(default_factory=dict)
    """Failed requests by kind: an HTTP status, a socket error, or no answer in time."""


@dataclass(slots=True)
class ThroughputRow:
    """Worker processes draining a pre-loaded inbound stream."""

    workers: int
    messages: int
    handled: int
    replied: int
    seconds: float
    left: int
    dead_lettered: int
    complete: bool
    worker_cpu_seconds: float
    """CPU time of all worker processes between release and drain."""
    redis_cpu_seconds: float
    """CPU time of the Redis server meanwhile (every client's, on a shared REDIS_URL)."""
    machine_cpu_seconds: float
    """CPU time of every process on the machine meanwhile, ours and anyone else's."""

    @property
    def messages_per_second(self) -> float:
        """Inbound messages handled per wall-clock second, all processes together."""
        return self.handled / self.seconds if self.seconds else 0.0

    @property
    def per_process(self) -> float:
        """`messages_per_second` divided by the worker processes."""
        return self.messages_per_second / self.workers

    @property
    def worker_cpu_ms(self) -> float:
        """Worker CPU milliseconds per message handled: what one message costs a process."""
        return self.worker_cpu_seconds / self.handled * 1000 if self.handled else 0.0

    @property
    def redis_cpu_ms(self) -> float:
        """Redis CPU milliseconds per message handled."""
        return self.redis_cpu_seconds / self.handled * 1000 if self.handled else 0.0

    @property
    def cores_busy(self) -> float:
        """Workers' and Redis's CPU seconds per wall-clock second."""
        return (self.worker_cpu_seconds + self.redis_cpu_seconds) / self.seconds

    @property
    def machine_cores_busy(self) -> float:
        """Every process's CPU seconds per wall-clock second."""
        return self.machine_cpu_seconds / self.seconds


@dataclass(slots=True)
class LatencyRow:
    """Webhook POST to the reply accepted by the offline Graph API, at one debounce."""

    debounce: float
    messages: int
    rate: float
    posted: int
    replied: int
    p50_ms: float
    p99_ms: float
    max_ms: float


@dataclass(slots=True)
class Results:
    """Everything one run measured."""

    ack: list[AckRow] = field(default_factory=list)
    throughput: list[ThroughputRow] = field(default_factory=list)
    latency: list[LatencyRow] = field(default_factory=list)


def _mark(ok: bool) -> str:
    return "[green]✓[/]" if ok else "[bold red]✗[/]"


def _ratio(real: float, bare: float) -> str:
    if bare <= 0:
        return "–"
    ratio = real / bare
    return f"{ratio:.2f}× " + _mark(ratio <= MAX_ACK_RATIO)


def render(console: Console, results: Results, header: dict[str, Any]) -> None:
    """Print one table per measurement, then what the columns mean."""
    if results.ack:
        _render_ack(console, results.ack, header)
    if results.throughput:
        _render_throughput(console, results.throughput, header)
    if results.latency:
        _render_latency(console, results.latency, header)
    _footnotes(console)


def _render_ack(console: Console, rows: list[AckRow], header: dict[str, Any]) -> None:
    table = Table(
        title=f"Webhook acknowledgement · {header['seconds']:g} s per rate · uvicorn, 1 process, "
        f"loop={header['loop']}, http={header['http']} · {header['redis']}",
        title_justify="left",
    )
    for column in ("rate/s", "app", "achieved/s", "errors", "p50 ms", "p99 ms", "max ms"):
        table.add_column(column, justify="left" if column == "app" else "right")
    for column in ("×bare p50", "×bare p99", "CPU µs/req", f"busy/{header['cpus']}"):
        table.add_column(column, justify="right")
    bare = {row.rate: row for row in rows if row.app == "bare"}
    for row in rows:
        base = bare.get(row.rate)
        ratios = ("", "")
        if row.app == "real" and base is not None:
            ratios = (_ratio(row.p50_ms, base.p50_ms), _ratio(row.p99_ms, base.p99_ms))
        errors = sum(row.errors.values())
        table.add_row(
            f"{row.rate:g}",
            row.app,
            f"{row.achieved_rate:.0f}",
            f"[bold red]{errors}[/]" if errors else "0",
            f"{row.p50_ms:.2f}",
            f"{row.p99_ms:.2f}",
            f"{row.max_ms:.1f}",
            *ratios,
            f"{row.server_cpu_us:.0f}",
            f"{row.machine_cores_busy:.2f}",
        )
    console.print(table)


def _render_throughput(console: Console, rows: list[ThroughputRow], header: dict[str, Any]) -> None:
    table = Table(
        title=f"Worker throughput · {header['messages']} messages, one per customer, debounce 0 "
        "· `atendente worker` processes",
        title_justify="left",
    )
    for column in ("workers", "handled", "seconds", "msg/s", "msg/s/proc", "replies"):
        table.add_column(column, justify="right")
    for column in ("worker ms/msg", "Redis ms/msg", f"busy/{header['cpus']} ours/all"):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(
            str(row.workers),
            f"{row.handled}/{row.messages}",
            f"{row.seconds:.1f}" + ("" if row.complete else " [bold red](timeout)[/]"),
            f"{row.messages_per_second:.1f}",
            f"{row.per_process:.1f} " + _mark(row.per_process >= MIN_MESSAGES_PER_PROCESS),
            str(row.replied),
            f"{row.worker_cpu_ms:.2f}",
            f"{row.redis_cpu_ms:.2f}",
            f"{row.cores_busy:.2f} / {row.machine_cores_busy:.2f}",
        )
    console.print(table)
    for row in rows:
        if row.left or row.dead_lettered:
            console.print(
                f"[bold red]{row.workers} worker(s): {row.left} entries left in the streams, "
                f"{row.dead_lettered} dead-lettered[/]",
                highlight=False,
            )


def _render_latency(console: Console, rows: list[LatencyRow], header: dict[str, Any]) -> None:
    first = rows[0]
    table = Table(
        title=f"End-to-end · POST → first reply at the fake Graph API · {first.messages} "
        f"customers at {first.rate:g}/s · app with in-process workers",
        title_justify="left",
    )
    for column in ("debounce s", "posted", "replied", "p50 ms", "p99 ms", "max ms"):
        table.add_column(column, justify="right")
    for row in rows:
        missing = row.replied < row.messages
        table.add_row(
            f"{row.debounce:g}",
            f"{row.posted}/{row.messages}",
            f"[bold red]{row.replied}[/]" if missing else str(row.replied),
            f"{row.p50_ms:.1f}",
            f"{row.p99_ms:.1f}",
            f"{row.max_ms:.1f}",
        )
    console.print(table)


def _footnotes(console: Console) -> None:
    notes = (
        f"Targets: the real webhook within {MAX_ACK_RATIO:g}× the bare app's p50 and p99; "
        f"≥{MIN_MESSAGES_PER_PROCESS:g} messages/s per worker process.",
        "Ack latency: open loop, from each request's due time to its whole answer (queueing "
        "behind a stall counts); achieved/s: 2xx answers per second over the run.",
        "Throughput: from releasing the pre-loaded stream until the inbound and outbox streams "
        "are both empty (every turn answered, every reply accepted by the fake Graph API).",
        "CPU: /proc user+system time of the server or the workers, Redis's INFO used_cpu "
        "(every client's on a shared REDIS_URL); busy: CPU seconds per second, ours "
        "(workers + Redis) and all (/proc/stat: every process, the benchmark's and others').",
        "End-to-end: from writing the POST to the fake Graph API accepting the first reply "
        "(its recorded wall-clock time); with a debounce, the window is included.",
    )
    for note in notes:
        console.print(f"[dim]· {note}[/]", highlight=False)


def write_json(path: Path, results: Results, header: dict[str, Any]) -> None:
    """Save the run's parameters and every number, derived ones included."""
    throughput = [
        {
            **asdict(row),
            "messages_per_second": round(row.messages_per_second, 2),
            "messages_per_second_per_process": round(row.per_process, 2),
            "worker_cpu_ms_per_message": round(row.worker_cpu_ms, 3),
            "redis_cpu_ms_per_message": round(row.redis_cpu_ms, 3),
            "cores_busy": round(row.cores_busy, 2),
            "machine_cores_busy": round(row.machine_cores_busy, 2),
        }
        for row in results.throughput
    ]
    document = {
        **header,
        "targets": {
            "max_ack_ratio_real_to_bare": MAX_ACK_RATIO,
            "min_messages_per_second_per_process": MIN_MESSAGES_PER_PROCESS,
        },
        "ack": [asdict(row) for row in results.ack],
        "throughput": throughput,
        "end_to_end": [asdict(row) for row in results.latency],
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
