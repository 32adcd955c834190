"""Worker throughput with 1, 2 and 4 `atendente worker` processes on the sharded streams.

Each drain is the service benchmark's (pre-loaded messages, one per customer, rules brain,
debounce 0, see `benchmarks._throughput`), on the inbound and outbox streams split into
`--shards` shards, first on one Redis server and then on a three-master Redis Cluster
started here on loopback. Every worker count runs `--rounds` times, in an order that
alternates, and the table shows the median, so the machine's drift within the hour does
not pass for scaling.

The CPU columns say where the time went: a worker count that does not raise the machine's
busy cores cannot raise throughput, whatever the code does.
Run it with `python -m benchmarks.worker_scaling`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import statistics
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from redis.asyncio.cluster import RedisCluster
from rich.console import Console
from rich.table import Table

from benchmarks import _throughput
from benchmarks._procs import ChildFailed, Processes
from benchmarks._redis import delete_prefix
from benchmarks._service_report import ThroughputRow
from benchmarks.service import PIPED_WIDTH, SharedRedis, shared_redis
from composition.settings import Settings
from integrations.redis.connection import RedisUnavailableError
from integrations.redis.embedded import EmbeddedRedisError
from integrations.redis.local_cluster import LocalCluster, LocalClusterError

WORKER_COUNTS = (1, 2, 4)
TOPOLOGIES = ("single server", "cluster, 3 masters")


@dataclass(slots=True)
class Cell:
    """Every round's row for one topology and worker count."""

    rows: list[ThroughputRow] = field(default_factory=list)

    def median(self, value: Callable[[ThroughputRow], float]) -> float:
        """The median of `value` over the rounds."""
        return statistics.median(value(row) for row in self.rows)


@asynccontextmanager
async def _topology(name: str, work: Path) -> AsyncIterator[SharedRedis]:
    """The shared single server (REDIS_URL or embedded), or a local cluster started here."""
    if name == TOPOLOGIES[0]:
        async with shared_redis(Settings(_env_file=None).redis_address, work / "redis") as redis:
            yield redis
        return
    with LocalCluster(work / "cluster") as cluster:
        client = RedisCluster.from_url(cluster.url)
        try:
            yield SharedRedis(client, cluster.url, f"local cluster, {len(cluster.ports)} masters")
        finally:
            await client.aclose()


async def _measure(
    options: argparse.Namespace, work: Path, processes: Processes, progress: Callable[[str], None]
) -> dict[tuple[str, int], Cell]:
    cells: dict[tuple[str, int], Cell] = {}
    run = f"atendente-bench-{secrets.token_hex(4)}"
    for topology in TOPOLOGIES:
        async with _topology(topology, work) as redis:
            progress(f"{topology}: {redis.description}")
            for number in range(options.rounds):
                counts = WORKER_COUNTS if number % 2 == 0 else tuple(reversed(WORKER_COUNTS))
                for workers in counts:
                    prefix = f"{run}-{number}-{workers}"
                    try:
                        row = await _throughput.measure(
                            processes,
                            redis.client,
                            redis.url,
                            work / "data",
                            prefix,
                            workers=workers,
                            shards=options.shards,
                            cluster=topology != TOPOLOGIES[0],
                            messages=options.messages,
                            progress=progress,
                        )
                    finally:
                        await delete_prefix(redis.client, f"{prefix}:")
                    if not row.complete:
                        raise SystemExit(f"{topology}, {workers} worker(s) left {row.left} entries")
                    cells.setdefault((topology, workers), Cell()).rows.append(row)
    return cells


def _render(
    console: Console, cells: dict[tuple[str, int], Cell], options: argparse.Namespace
) -> None:
    table = Table(
        title=(
            f"Worker throughput · {options.messages} messages, one per customer, "
            f"{options.shards} stream shards, median of {options.rounds} round(s)"
        ),
        title_justify="left",
    )
    for name in (
        "topology",
        "workers",
        "msg/s",
        "vs 1 worker",
        "msg/s per worker",
        "worker CPU s",
        "Redis CPU s",
        "busy cores",
    ):
        table.add_column(name, justify="left" if name == "topology" else "right")
    for topology in TOPOLOGIES:
        base = cells[(topology, 1)].median(lambda row: row.messages_per_second)
        for workers in WORKER_COUNTS:
            cell = cells[(topology, workers)]
            rate = cell.median(lambda row: row.messages_per_second)
            table.add_row(
                topology,
                str(workers),
                f"{rate:.0f}",
                f"{rate / base:.2f}×",
                f"{cell.median(lambda row: row.per_process):.0f}",
                f"{cell.median(lambda row: row.worker_cpu_seconds):.1f}",
                f"{cell.median(lambda row: row.redis_cpu_seconds):.1f}",
                f"{cell.median(lambda row: row.machine_cpu_seconds / row.seconds):.2f}",
            )
    console.print(table)
    console.print(
        "busy cores: CPU seconds of every process on the machine per wall-clock second. "
        "Once it reaches the machine's cores, more workers only share them."
    )


def main(argv: list[str] | None = None) -> None:
    """Parse the flags, drain with each worker count on each topology, print the table."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.worker_scaling", description=__doc__
    )
    parser.add_argument("--messages", type=int, default=1200, help="messages a drain (1200)")
    parser.add_argument("--shards", type=int, default=16, help="stream shards (16)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds per worker count (2)")
    args = parser.parse_args(argv)
    if min(args.messages, args.shards, args.rounds) < 1:
        parser.error("--messages, --shards and --rounds must be at least 1")
    logging.disable(logging.CRITICAL)
    console = Console()
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(width=PIPED_WIDTH)

    def progress(text: str) -> None:
        console.print(f"[dim]· {text}[/]", highlight=False)

    with tempfile.TemporaryDirectory(prefix="atendente-bench-") as tmp:
        work = Path(tmp)
        try:
            with Processes(work) as processes:
                cells = asyncio.run(_measure(args, work, processes, progress))
        except (RedisUnavailableError, EmbeddedRedisError, LocalClusterError) as error:
            raise SystemExit(f"cannot benchmark the workers: {error}") from error
        except ChildFailed as error:
            raise SystemExit(f"a worker failed: {error}") from error
        except KeyboardInterrupt:
            raise SystemExit("interrupted: every worker the benchmark started is stopped") from None
    _render(console, cells, args)


if __name__ == "__main__":
    main()
