"""What one measured saver produced, the targets it is held to, and how both are shown."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

MIN_THROUGHPUT_RATIO = 0.8
"""Our saver must keep at least this share of InMemorySaver's turns per second."""
MAX_ROUND_TRIPS_PER_CALL = 1
MAX_COMMANDS_PER_TURN = 40
MAX_KIB_PER_CONVERSATION = 64
CONVERSATION_TURNS = 20
"""The conversation length the memory target is stated for."""
BASELINE = "InMemorySaver"


@dataclass(slots=True)
class RedisCost:
    """What a Redis-backed saver cost the server during the measured workload."""

    threads: int
    turns: int
    saver_calls: int
    round_trips: int
    max_round_trips: dict[str, int]
    commands: int
    handshakes: int
    bytes_total: int
    keys: int

    @property
    def round_trips_per_turn(self) -> float:
        """Network writes of a command or pipeline, per customer turn."""
        return self.round_trips / self.turns

    @property
    def round_trips_per_call(self) -> float:
        """Network writes per saver call, on average."""
        return self.round_trips / self.saver_calls if self.saver_calls else 0.0

    @property
    def max_round_trips_per_call(self) -> int:
        """The most network writes any single saver call needed."""
        return max(self.max_round_trips.values(), default=0)

    @property
    def commands_per_turn(self) -> float:
        """Commands the server processed, per customer turn."""
        return self.commands / self.turns

    @property
    def kib_per_thread(self) -> float:
        """Memory of one conversation's keys after the workload."""
        return self.bytes_total / self.threads / 1024

    @property
    def kib_per_conversation(self) -> float:
        """`kib_per_thread` scaled linearly to a conversation of `CONVERSATION_TURNS` turns."""
        return self.kib_per_thread * CONVERSATION_TURNS * self.threads / self.turns


@dataclass(slots=True)
class Row:
    """One saver's results on the shared workload."""

    name: str
    turns: int
    seconds: float
    p50_ms: float
    p99_ms: float
    get_tuple_p50_ms: float
    saver_calls: dict[str, int]
    redis: RedisCost | None = None
    ratio: float = field(default=0.0)
    """Throughput relative to InMemorySaver, filled in once every row is measured."""

    @property
    def turns_per_second(self) -> float:
        """Customer turns completed per wall-clock second."""
        return self.turns / self.seconds

    @property
    def saver_calls_per_turn(self) -> float:
        """aget_tuple, aput, aput_writes and alist calls per turn, all methods together."""
        return sum(self.saver_calls.values()) / self.turns

    def as_json(self) -> dict[str, Any]:
        """Raw and derived numbers, for `--json`."""
        data: dict[str, Any] = {
            "name": self.name,
            "turns": self.turns,
            "seconds": round(self.seconds, 3),
            "turns_per_second": round(self.turns_per_second, 1),
            "ratio_vs_in_memory": round(self.ratio, 3),
            "turn_p50_ms": round(self.p50_ms, 2),
            "turn_p99_ms": round(self.p99_ms, 2),
            "get_tuple_p50_ms": round(self.get_tuple_p50_ms, 3),
            "saver_calls": dict(self.saver_calls),
            "saver_calls_per_turn": round(self.saver_calls_per_turn, 2),
        }
        if self.redis is not None:
            cost = self.redis
            data["redis"] = {
                "round_trips": cost.round_trips,
                "round_trips_per_turn": round(cost.round_trips_per_turn, 2),
                "round_trips_per_saver_call": round(cost.round_trips_per_call, 3),
                "max_round_trips_per_call": dict(cost.max_round_trips),
                "commands": cost.commands,
                "commands_per_turn": round(cost.commands_per_turn, 2),
                "handshake_sends": cost.handshakes,
                "keys": cost.keys,
                "bytes": cost.bytes_total,
                "kib_per_thread": round(cost.kib_per_thread, 2),
                f"kib_per_{CONVERSATION_TURNS}_turn_conversation": round(
                    cost.kib_per_conversation, 2
                ),
            }
        return data


def set_ratios(rows: list[Row]) -> None:
    """Express each row's throughput as a multiple of InMemorySaver's."""
    base = next((row for row in rows if row.name == BASELINE), None)
    for row in rows:
        row.ratio = row.turns_per_second / base.turns_per_second if base else 0.0


def _mark(ok: bool) -> str:
    return "[green]✓[/]" if ok else "[bold red]✗[/]"


def render(console: Console, rows: list[Row], header: dict[str, Any]) -> None:
    """Print the latency table for every saver, then the Redis cost of ours."""
    threads, turns, concurrency = header["threads"], header["turns"], header["concurrency"]
    speed = Table(
        title=f"Checkpoint savers · {threads} threads × {turns} turns · {concurrency} in flight"
        f" · median of {header['rounds']} rounds · durability={header['durability']}",
        title_justify="left",
    )
    for column in ("Saver", "turns/s", "× InMemory", "turn p50 ms", "turn p99 ms"):
        speed.add_column(column, justify="left" if column == "Saver" else "right")
    speed.add_column("get_tuple p50 ms", justify="right")
    speed.add_column("saver calls/turn", justify="right")
    for row in rows:
        ratio = f"{row.ratio:.2f}×"
        if row.redis is not None:
            ratio += " " + _mark(row.ratio >= MIN_THROUGHPUT_RATIO)
        speed.add_row(
            row.name,
            f"{row.turns_per_second:.1f}",
            ratio,
            f"{row.p50_ms:.1f}",
            f"{row.p99_ms:.1f}",
            f"{row.get_tuple_p50_ms:.2f}",
            f"{row.saver_calls_per_turn:.1f}",
        )
    console.print(speed)
    ours = [(row, row.redis) for row in rows if row.redis is not None]
    if not ours:
        return
    cost = Table(title=f"RedisSaver on {header['redis']}", title_justify="left")
    cost.add_column("Saver", no_wrap=True)
    for column in ("round trips/turn", "round trips/saver call (max)", "commands/turn"):
        cost.add_column(column, justify="right")
    cost.add_column("KiB/thread", justify="right")
    cost.add_column(f"KiB/{CONVERSATION_TURNS}-turn conv.", justify="right")
    for row, c in ours:
        worst = c.max_round_trips_per_call
        cost.add_row(
            row.name,
            f"{c.round_trips_per_turn:.1f}",
            f"{c.round_trips_per_call:.2f} ({worst}) " + _mark(worst <= MAX_ROUND_TRIPS_PER_CALL),
            f"{c.commands_per_turn:.1f} " + _mark(c.commands_per_turn <= MAX_COMMANDS_PER_TURN),
            f"{c.kib_per_thread:.1f}",
            f"{c.kib_per_conversation:.1f} "
            + _mark(c.kib_per_conversation <= MAX_KIB_PER_CONVERSATION),
        )
    console.print(cost)
    _footnotes(console, header)


def _footnotes(console: Console, header: dict[str, Any]) -> None:
    shared = (
        "an upper bound: other clients of REDIS_URL are counted too"
        if header["redis_url"]
        else "exact: only this benchmark talks to the embedded server"
    )
    scaled = (
        "the same figure, since each thread ran 20 turns"
        if header["turns"] == CONVERSATION_TURNS
        else f"scaled linearly from {header['turns']} turns (a bounded saver stops growing, "
        "so this overstates it when scaled up)"
    )
    notes = (
        f"Targets for RedisSaver: ≥{MIN_THROUGHPUT_RATIO}× InMemorySaver's turns/s; "
        f"≤{MAX_ROUND_TRIPS_PER_CALL} round trip in any saver call; "
        f"≤{MAX_COMMANDS_PER_TURN} commands/turn; "
        f"≤{MAX_KIB_PER_CONVERSATION} KiB per {CONVERSATION_TURNS}-turn conversation.",
        "Saver calls: aget_tuple + aput + aput_writes + alist through the same counting proxy "
        "for every saver; get_tuple: aget_tuple of each thread's latest checkpoint, one at a time.",
        "Round trip: one network write of a command or a pipeline (connection handshakes "
        "excluded); the figure in parentheses is the most any single saver call needed.",
        f"Commands/turn: INFO total_commands_processed delta, INFO itself excluded; {shared}.",
        f"KiB/thread: MEMORY USAGE (SAMPLES 0) of the run's keys / threads; "
        f"KiB/{CONVERSATION_TURNS}-turn conv.: {scaled}.",
    )
    for note in notes:
        console.print(f"[dim]· {note}[/]", highlight=False)


def write_json(path: Path, rows: list[Row], header: dict[str, Any]) -> None:
    """Save the run's parameters and every row's numbers."""
    targets = {
        "min_throughput_ratio": MIN_THROUGHPUT_RATIO,
        "max_round_trips_per_call": MAX_ROUND_TRIPS_PER_CALL,
        "max_commands_per_turn": MAX_COMMANDS_PER_TURN,
        f"max_kib_per_{CONVERSATION_TURNS}_turn_conversation": MAX_KIB_PER_CONVERSATION,
    }
    document = {**header, "targets": targets, "rows": [row.as_json() for row in rows]}
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
