"""Webhook acknowledgement: the real app against a bare FastAPI app, same uvicorn, same load.

Both servers run side by side; each rate is sent to the bare app and then to the real one, so
a slow spell of the machine is likely to touch both. The real app runs without workers, so
its latency is the webhook's own: signature, parsing and the two Lua calls that admit and
store the message.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks import _http_load
from benchmarks._payloads import http_post, webhooks
from benchmarks._procs import (
    HOST,
    Child,
    Processes,
    free_port,
    machine_cpu_seconds,
    uvicorn_command,
    wait_http,
)
from benchmarks._service_report import AckRow, percentile

APPS = (("bare", "bare_app"), ("real", "webhook_app"))
"""Row name and `benchmarks._apps` factory of each server, in the order they are loaded."""
CONNECTIONS = 64
WARMUP_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class _Server:
    name: str
    child: Child
    port: int


def _row(name: str, result: _http_load.LoadResult, cpu: tuple[float, float, float]) -> AckRow:
    server_cpu, machine_cpu, seconds = cpu
    latencies = result.latencies
    errors = Counter(
        outcome.error or f"HTTP {outcome.status}" for outcome in result.outcomes if not outcome.ok
    )
    return AckRow(
        app=name,
        rate=result.rate,
        requests=len(result.outcomes),
        ok=result.ok,
        achieved_rate=result.achieved_rate,
        sent_rate=result.sent_rate,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        max_ms=max(latencies, default=0.0) * 1000,
        generator_lag_p99_ms=percentile(result.generator_lags, 0.99) * 1000,
        server_cpu_us=server_cpu / len(result.outcomes) * 1e6,
        machine_cores_busy=machine_cpu / seconds,
        errors=dict(errors),
    )


async def _load(
    server: _Server, rate: float, seconds: float, tag: str
) -> tuple[_http_load.LoadResult, tuple[float, float, float]]:
    """The load's outcomes; the server's and the machine's CPU seconds, and the wall seconds."""
    hooks = webhooks(max(1, round(rate * seconds)), tag)
    requests = [http_post(HOST, server.port, hook) for hook in hooks]
    before = (server.child.cpu_seconds(), machine_cpu_seconds(), time.perf_counter())
    result = await _http_load.run(HOST, server.port, requests, rate, connections=CONNECTIONS)
    after = (server.child.cpu_seconds(), machine_cpu_seconds(), time.perf_counter())
    server.child.check()
    return result, (after[0] - before[0], after[1] - before[1], after[2] - before[2])


async def measure(
    processes: Processes,
    env: dict[str, str],
    rates: list[float],
    seconds: float,
    progress: Callable[[str], None],
) -> list[AckRow]:
    """Warm both servers up, then load each at every rate; one row per server and rate."""
    servers = []
    for name, factory in APPS:
        port = free_port()
        servers.append(
            _Server(name, processes.start(name, uvicorn_command(factory, port), env), port)
        )
    try:
        for server in servers:
            await wait_http(server.child, server.port)
        rows = []
        for number, rate in enumerate(rates):
            for server in servers:
                # A second at the rate itself first: the row is the steady state, not the
                # seconds in which a server grows its Redis connection pool to the load.
                await _load(server, rate, WARMUP_SECONDS, f"{server.name}-{number}-warm")
                result, cpu = await _load(server, rate, seconds, f"{number}-{rate:g}")
                rows.append(_row(server.name, result, cpu))
                row = rows[-1]
                progress(
                    f"{row.app} app at {rate:g}/s: {row.ok}/{row.requests} answered, "
                    f"p50 {row.p50_ms:.2f} ms, p99 {row.p99_ms:.2f} ms"
                )
    finally:
        for server in servers:
            processes.stop(server.child)
    return rows
