"""Worker throughput of this working tree against a git revision, in alternating rounds.

This machine's speed drifts by up to 40% within the hour, so two throughput figures taken
minutes apart say little about a change. Here both sides drain the same workload (the
service benchmark's: pre-loaded messages, one per customer, rules brain, debounce 0) in
rounds that alternate which side goes first, on one Redis, and the table shows each round's
pair and how often this tree was the faster.

The revision runs from a temporary `git worktree` on this interpreter and its packages, so
a revision that needs other dependencies is not comparable this way.
Run it with `python -m benchmarks.worker_revisions REV`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
import statistics
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks import _throughput
from benchmarks._procs import REPO, ChildFailed, Processes
from benchmarks._redis import delete_prefix
from benchmarks.service import shared_redis
from composition.settings import Settings
from integrations.redis.connection import RedisUnavailableError
from integrations.redis.embedded import EmbeddedRedisError

TREE = "working tree"


@dataclass(slots=True)
class Rounds:
    """Messages per second per worker process, for each side, round by round."""

    revision: str
    first: list[str] = field(default_factory=list)
    per_side: dict[str, list[float]] = field(default_factory=dict)

    def add(self, side: str, rate: float) -> None:
        """Record one side's figure for the round in progress."""
        self.per_side.setdefault(side, []).append(rate)

    def wins(self) -> int:
        """Rounds in which this tree drained faster than the revision."""
        tree, revision = self.per_side[TREE], self.per_side[self.revision]
        return sum(1 for ours, theirs in zip(tree, revision, strict=True) if ours > theirs)


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


async def _measure(
    rounds: int,
    messages: int,
    workers: int,
    revision: str,
    source: Path,
    work: Path,
    processes: Processes,
    progress: Callable[[str], None],
) -> Rounds:
    result = Rounds(revision)
    sources: dict[str, Path | None] = {TREE: None, revision: source}
    run = f"atendente-bench-{secrets.token_hex(4)}"
    async with shared_redis(Settings(_env_file=None).redis_address, work / "redis") as redis:
        for number in range(rounds):
            order = [TREE, revision] if number % 2 == 0 else [revision, TREE]
            result.first.append(order[0])
            for side in order:
                prefix = f"{run}-{number}-{'tree' if side == TREE else 'rev'}"
                try:
                    row = await _throughput.measure(
                        processes,
                        redis.client,
                        redis.url,
                        work / "data",
                        prefix,
                        workers=workers,
                        messages=messages,
                        progress=progress,
                        source=sources[side],
                    )
                finally:
                    await delete_prefix(redis.client, f"{prefix}:")
                if not row.complete:
                    raise SystemExit(f"round {number + 1}: {side} left {row.left} entries")
                result.add(side, row.per_process)
    return result


def _render(console: Console, result: Rounds, messages: int, workers: int) -> None:
    revision, tree = result.per_side[result.revision], result.per_side[TREE]
    table = Table(
        title=f"Worker msg/s per process · {messages} messages, {workers} worker(s) a side",
        title_justify="left",
    )
    for name in ("round", "first", result.revision, TREE, "tree / revision"):
        table.add_column(name, justify="left" if name == "first" else "right")
    for number, (theirs, ours) in enumerate(zip(revision, tree, strict=True)):
        table.add_row(
            str(number + 1),
            result.first[number],
            f"{theirs:.1f}",
            f"{ours:.1f}",
            f"{ours / theirs:.2f}×",
        )
    table.add_row(
        "median",
        "",
        f"{statistics.median(revision):.1f}",
        f"{statistics.median(tree):.1f}",
        f"{statistics.median(tree) / statistics.median(revision):.2f}×",
        style="bold",
    )
    console.print(table)
    console.print(f"This tree was faster in {result.wins()} of {len(tree)} rounds.")


def main(argv: list[str] | None = None) -> None:
    """Parse the flags, alternate the two sides and print the rounds."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.worker_revisions", description=__doc__
    )
    parser.add_argument("revision", nargs="?", default="HEAD", help="what to compare (HEAD)")
    parser.add_argument("--rounds", type=int, default=6, help="rounds, each side once (6)")
    parser.add_argument("--messages", type=int, default=1500, help="messages a drain (1500)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes a side (1)")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.messages < 1 or args.workers < 1:
        parser.error("--rounds, --messages and --workers must be at least 1")
    logging.disable(logging.CRITICAL)
    commit = _git("rev-parse", "--verify", f"{args.revision}^{{commit}}")
    label = commit[:7] if commit.startswith(args.revision) else f"{args.revision} ({commit[:7]})"
    console = Console()

    def progress(text: str) -> None:
        console.print(f"[dim]· {text}[/]", highlight=False)

    with tempfile.TemporaryDirectory(prefix="atendente-bench-") as tmp:
        work = Path(tmp)
        source = work / "revision"
        _git("worktree", "add", "--detach", str(source), commit)
        try:
            with Processes(work) as processes:
                result = asyncio.run(
                    _measure(
                        args.rounds,
                        args.messages,
                        args.workers,
                        label,
                        source,
                        work,
                        processes,
                        progress,
                    )
                )
        except (RedisUnavailableError, EmbeddedRedisError) as error:
            raise SystemExit(f"cannot benchmark the workers: {error}") from error
        except ChildFailed as error:
            raise SystemExit(f"a worker failed: {error}") from error
        except KeyboardInterrupt:
            raise SystemExit("interrupted: every worker the benchmark started is stopped") from None
        finally:
            _git("worktree", "remove", "--force", str(source))
    _render(console, result, args.messages, args.workers)


if __name__ == "__main__":
    main()
