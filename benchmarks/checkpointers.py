"""Benchmark our `RedisSaver` against LangGraph's savers on the real conversation graph.

Every saver serves the same workload (`_workload`) through the same counting proxy, in one
run, and the results print as a table. Run it with `python -m benchmarks.checkpointers`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import secrets
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.types import Durability
from psycopg import sql
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool
from rich.console import Console

from agent.graph import build_graph
from agent.turn import thread_config
from benchmarks import _redis, _workload
from benchmarks._counting import CallStats, CountingSaver
from benchmarks._report import RedisCost, Row, render, set_ratios, write_json
from composition.settings import Settings
from composition.wiring import build_saver, open_context
from integrations.redis.connection import RedisUnavailableError, mask_url
from integrations.redis.embedded import EmbeddedRedisError

WARMUP_TURNS = 3
PIPED_WIDTH = 120
"""Table width when stdout is not a terminal, where rich would otherwise assume 80."""
AnySaver = BaseCheckpointSaver[Any]
Opener = tuple[
    str, Callable[[], AbstractAsyncContextManager[AnySaver]], tuple[type[BaseException], ...]
]
"""A saver's name, how to open it, and the errors that mean its backend is unreachable."""


@dataclass(frozen=True, slots=True)
class Options:
    """The workload's shape, from the command line."""

    threads: int
    turns: int
    concurrency: int
    rounds: int
    durability: Durability


def _percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile, so p99 is a latency that some turn really had."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


async def _measure(
    name: str,
    saver: AnySaver,
    options: Options,
    settings: Settings,
    probe: _redis.RedisProbe | None = None,
    key_prefix: str = "",
) -> Row:
    """Warm up, run the workload, then time `aget_tuple`; with `probe`, add the Redis cost."""
    stats = CallStats()
    graph = build_graph(CountingSaver(saver, stats))
    conversations = _workload.plan(options.threads, options.turns, label="thread")
    warmup = _workload.plan(min(options.concurrency, options.threads), WARMUP_TURNS, label="warm")
    before = overhead = 0
    async with open_context(settings) as context:
        await _workload.run(graph, context, warmup, options.concurrency, options.durability)
        for conversation in warmup:
            await saver.adelete_thread(conversation.thread_id)
        gc.collect()
        if probe is not None:
            overhead = await _redis.info_overhead(probe.client)
            before = await _redis.commands_processed(probe.client)
            probe.counter.reset()
        stats.reset()
        result = await _workload.run(
            graph, context, conversations, options.concurrency, options.durability
        )
    turns = len(result.latencies)
    cost = None
    if probe is not None:
        round_trips, handshakes = probe.counter.sends, probe.counter.handshakes
        commands = await _redis.commands_processed(probe.client) - before - overhead
        size, keys = await _redis.memory_usage(probe.client, key_prefix)
        cost = RedisCost(
            threads=options.threads,
            turns=turns,
            saver_calls=stats.total,
            round_trips=round_trips,
            max_round_trips=dict(stats.max_round_trips),
            commands=commands,
            handshakes=handshakes,
            bytes_total=size,
            keys=keys,
        )
    get_tuple: list[float] = []
    for conversation in conversations:
        started = time.perf_counter()
        await saver.aget_tuple(thread_config(conversation.thread_id))
        get_tuple.append(time.perf_counter() - started)
    return Row(
        name=name,
        turns=turns,
        seconds=result.seconds,
        p50_ms=_percentile(result.latencies, 0.50) * 1000,
        p99_ms=_percentile(result.latencies, 0.99) * 1000,
        get_tuple_p50_ms=_percentile(get_tuple, 0.50) * 1000,
        saver_calls=dict(stats.calls),
        redis=cost,
    )


@asynccontextmanager
async def _postgres(url: str, pool_size: int) -> AsyncIterator[AsyncPostgresSaver]:
    """A saver on a fresh schema, dropped on exit; a pool so turns can run side by side."""
    schema = f"bench_{secrets.token_hex(4)}"
    async with await psycopg.AsyncConnection.connect(
        url, autocommit=True, connect_timeout=5
    ) as admin:
        await admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        try:
            pool = AsyncConnectionPool(
                url,
                min_size=1,
                max_size=pool_size,
                open=False,
                connection_class=psycopg.AsyncConnection[DictRow],
                kwargs={
                    "autocommit": True,
                    "prepare_threshold": 0,
                    "row_factory": dict_row,
                    "options": f"-c search_path={schema}",
                },
            )
            async with pool:
                saver = AsyncPostgresSaver(pool)
                await saver.setup()
                yield saver
        finally:
            await admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


async def _measure_opened(
    console: Console,
    name: str,
    opener: Callable[[], AbstractAsyncContextManager[AnySaver]],
    options: Options,
    settings: Settings,
    skip_on: tuple[type[BaseException], ...] = (),
) -> Row | None:
    """Measure a saver that needs opening; an unreachable backend is reported and skipped."""
    async with AsyncExitStack() as stack:
        try:
            saver = await stack.enter_async_context(opener())
        except skip_on as error:
            reason = " ".join(str(error).split())
            console.print(f"[yellow]skipping {name}: {reason}[/]", highlight=False)
            return None
        return await _measure(name, saver, options, settings)
    return None


async def _redis_rows(
    console: Console, probe: _redis.RedisProbe, options: Options, settings: Settings, run: str
) -> list[Row]:
    """The app's saver as `build_saver` makes it, and the same saver keeping full history."""
    rows = []
    for full_history in (False, True):
        prefix = f"{run}-{'full' if full_history else 'app'}"
        row_settings = settings.model_copy(update={"redis_prefix": prefix})
        saver = build_saver(probe.client, row_settings)
        if full_history:
            saver.keep_last = None
        name = f"RedisSaver (keep_last={saver.keep_last})"
        try:
            rows.append(
                await _measure(name, saver, options, row_settings, probe, key_prefix=f"{prefix}:")
            )
        finally:
            await _redis.delete_prefix(probe.client, f"{prefix}:")
        _progress(console, rows[-1])
    return rows


def _progress(console: Console, row: Row) -> None:
    console.print(
        f"[dim]· {row.name}: {row.turns} turns in {row.seconds:.1f} s[/]", highlight=False
    )


async def _main(options: Options, console: Console) -> tuple[list[Row], dict[str, Any]]:
    settings = Settings(_env_file=None)
    redis_url = settings.redis_address
    postgres_url = os.environ.get("POSTGRES_URL") or None
    run = f"atendente-bench-{secrets.token_hex(4)}"
    with tempfile.TemporaryDirectory(prefix="atendente-bench-") as tmp:
        sqlite_path = str(Path(tmp) / "checkpoints.sqlite")
        openers: list[Opener] = [
            ("InMemorySaver", lambda: nullcontext(InMemorySaver()), ()),
            ("AsyncSqliteSaver", lambda: AsyncSqliteSaver.from_conn_string(sqlite_path), ()),
        ]
        if postgres_url:
            openers.append(
                (
                    "AsyncPostgresSaver",
                    lambda: _postgres(postgres_url, options.concurrency),
                    (psycopg.Error, OSError),
                )
            )
        rounds: list[list[Row]] = []
        try:
            async with _redis.open_probe(redis_url, Path(tmp) / "redis") as probe:
                await _redis.self_check(probe, f"{run}-selfcheck:key")
                for number in range(options.rounds):
                    console.print(f"[dim]round {number + 1} of {options.rounds}[/]")
                    measured: list[Row] = []
                    for name, opener, skip_on in openers:
                        row = await _measure_opened(
                            console, name, opener, options, settings, skip_on
                        )
                        if row is not None:
                            measured.append(row)
                            _progress(console, row)
                    measured += await _redis_rows(
                        console, probe, options, settings, f"{run}-{number}"
                    )
                    set_ratios(measured)
                    rounds.append(measured)
                server = probe.server
        except (RedisUnavailableError, EmbeddedRedisError) as error:
            raise SystemExit(f"cannot benchmark RedisSaver: {error}") from error
    rows = _median_rows(rounds)
    header: dict[str, Any] = {
        "durability": options.durability,
        "rounds": options.rounds,
        "threads": options.threads,
        "turns": options.turns,
        "concurrency": options.concurrency,
        "redis": server,
        "redis_url": bool(redis_url),
        "postgres": mask_url(postgres_url) if postgres_url else None,
    }
    return rows, header


def _median_rows(rounds: list[list[Row]]) -> list[Row]:
    """Per saver, the round with the median ratio to InMemorySaver measured in that round.

    Rounds alternate the savers, so slow spells of a shared 2-core machine hit all of them
    rather than one, and the median drops an unlucky round.
    """
    names = [row.name for row in rounds[0]]
    chosen = []
    for name in names:
        candidates = sorted(
            (row for rows in rounds for row in rows if row.name == name), key=lambda row: row.ratio
        )
        chosen.append(candidates[(len(candidates) - 1) // 2])
    return chosen


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def main(argv: list[str] | None = None) -> None:
    """Parse the flags, run every saver on the workload and print the comparison."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.checkpointers", description=__doc__)
    parser.add_argument("--threads", type=_positive, default=50, help="conversations (50)")
    parser.add_argument("--turns", type=_positive, default=20, help="turns per conversation (20)")
    parser.add_argument("--concurrency", type=_positive, default=8, help="turns in flight (8)")
    parser.add_argument("--rounds", type=_positive, default=3, help="rounds, median kept (3)")
    parser.add_argument(
        "--durability",
        choices=["exit", "async"],
        default="exit",
        help="checkpoint once per turn as the app does (exit), or every step (async)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the numbers here")
    parser.add_argument("--verbose", action="store_true", help="show library warnings and logs")
    args = parser.parse_args(argv)
    if not args.verbose:
        logging.disable(logging.CRITICAL)
    options = Options(args.threads, args.turns, args.concurrency, args.rounds, args.durability)
    console = Console()
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(width=PIPED_WIDTH)
    rows, header = asyncio.run(_main(options, console))
    render(console, rows, header)
    if args.json:
        write_json(args.json, rows, header)


if __name__ == "__main__":
    main()
