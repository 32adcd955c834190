"""Benchmark the running service: webhook acknowledgement, worker throughput, end-to-end latency.

Every server and worker is a real subprocess on loopback, sharing one Redis (`REDIS_URL`, or
an embedded Valkey started here), each measurement under its own key prefix that is deleted
afterwards. Run it with `python -m benchmarks.service`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import secrets
import signal
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from rich.console import Console

from benchmarks import _ack, _end_to_end, _throughput
from benchmarks._procs import HTTP, LOOP, ChildFailed, Processes, child_env
from benchmarks._redis import delete_prefix
from benchmarks._service_report import Results, render, write_json
from composition.settings import Settings
from integrations.redis.client import RedisClient
from integrations.redis.connection import RedisUnavailableError, mask_url, open_redis
from integrations.redis.embedded import EmbeddedRedis, EmbeddedRedisError

PIPED_WIDTH = 120
"""Table width when stdout is not a terminal, where rich would otherwise assume 80."""
WORKER_COUNTS = (1, 2)
E2E_MESSAGES = 100
E2E_RATE = 20.0
E2E_DEBOUNCES = (0.0, 2.0)


@dataclass(frozen=True, slots=True)
class Options:
    """The run's shape, from the command line."""

    rates: list[float]
    seconds: float
    messages: int


@dataclass(frozen=True, slots=True)
class SharedRedis:
    """The Redis every process of the run uses, and how to name it in the report."""

    client: RedisClient
    url: str
    description: str


@asynccontextmanager
async def shared_redis(url: str | None, data_dir: Path) -> AsyncIterator[SharedRedis]:
    """`REDIS_URL` when set, else one embedded Valkey that every child reaches by URL."""
    if url:
        async with open_redis(url) as client:
            yield SharedRedis(client, url, await _describe(client, mask_url(url)))
        return
    server = EmbeddedRedis(data_dir)
    await asyncio.to_thread(server.start)
    try:
        client = Redis.from_url(server.url)
        try:
            yield SharedRedis(
                client, server.url, await _describe(client, f"embedded, {server.url}")
            )
        finally:
            await client.aclose()
    finally:
        await asyncio.to_thread(server.stop)


async def _describe(client: Redis, where: str) -> str:
    info = await client.info("server")
    name = "Valkey" if "valkey_version" in info else "Redis"
    return f"{name} {info.get('valkey_version') or info.get('redis_version')} ({where})"


async def _run(
    options: Options, processes: Processes, work: Path, progress: Callable[[str], None]
) -> tuple[Results, dict[str, Any]]:
    """Every measurement in turn, on one Redis, and the run's header for the report.

    Long because it owns the clean-up: whatever fails, the child processes stop and the
    run's prefixes are deleted in the same `finally`.
    """
    main_task = asyncio.current_task()
    if main_task is not None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    settings = Settings(_env_file=None)
    url = settings.redis_address
    run = f"atendente-bench-{secrets.token_hex(4)}"
    data_dir = work / "data"
    results = Results()
    try:
        async with shared_redis(url, work / "redis") as redis:
            prefixes: list[str] = []

            def prefix(name: str) -> str:
                prefixes.append(f"{run}-{name}")
                return prefixes[-1]

            try:
                env = child_env(redis.url, prefix("ack"), data_dir, debounce=0)
                results.ack = await _ack.measure(
                    processes, env, options.rates, options.seconds, progress
                )
                for workers in WORKER_COUNTS:
                    row = await _throughput.measure(
                        processes,
                        redis.client,
                        redis.url,
                        data_dir,
                        prefix(f"workers{workers}"),
                        workers=workers,
                        messages=options.messages,
                        progress=progress,
                    )
                    results.throughput.append(row)
                for debounce in E2E_DEBOUNCES:
                    row_e2e = await _end_to_end.measure(
                        processes,
                        redis.client,
                        redis.url,
                        data_dir,
                        prefix(f"e2e{debounce:g}"),
                        debounce=debounce,
                        messages=E2E_MESSAGES,
                        rate=E2E_RATE,
                        progress=progress,
                    )
                    results.latency.append(row_e2e)
            finally:
                processes.stop_all()
                for name in prefixes:
                    await delete_prefix(redis.client, f"{name}:")
            server = redis.description
    except (RedisUnavailableError, EmbeddedRedisError) as error:
        raise SystemExit(f"cannot benchmark the service: {error}") from error
    except ChildFailed as error:
        raise SystemExit(f"a benchmark process failed: {error}") from error
    header = {
        "rates": options.rates,
        "seconds": options.seconds,
        "messages": options.messages,
        "end_to_end_messages": E2E_MESSAGES,
        "end_to_end_rate": E2E_RATE,
        "loop": LOOP,
        "http": HTTP,
        "redis": server,
        "redis_url": bool(url),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    return results, header


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be above 0")
    return value


def main(argv: list[str] | None = None) -> None:
    """Parse the flags, run the three measurements and print them."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.service", description=__doc__)
    parser.add_argument(
        "--rates",
        type=_positive_float,
        nargs="+",
        default=[200.0, 1000.0],
        help="webhook requests per second, one run each (200 1000)",
    )
    parser.add_argument(
        "--seconds", type=_positive_float, default=5.0, help="seconds per webhook rate (5)"
    )
    parser.add_argument(
        "--messages",
        type=_positive_int,
        default=2000,
        help="messages pre-loaded for the worker throughput runs (2000)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the numbers here")
    parser.add_argument("--verbose", action="store_true", help="show library warnings and logs")
    args = parser.parse_args(argv)
    if not args.verbose:
        logging.disable(logging.CRITICAL)
    options = Options(args.rates, args.seconds, args.messages)
    console = Console()
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(width=PIPED_WIDTH)

    def progress(text: str) -> None:
        console.print(f"[dim]· {text}[/]", highlight=False)

    try:
        with (
            tempfile.TemporaryDirectory(prefix="atendente-bench-") as tmp,
            Processes(Path(tmp)) as processes,
        ):
            results, header = asyncio.run(_run(options, processes, Path(tmp), progress))
    except (KeyboardInterrupt, asyncio.CancelledError):
        raise SystemExit("interrupted: every process the benchmark started is stopped") from None
    render(console, results, header)
    if args.json:
        write_json(args.json, results, header)


if __name__ == "__main__":
    main()
