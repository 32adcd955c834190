"""End-to-end latency: a customer's message in, the first reply message out.

The app runs as `atendente serve` runs it, with its workers in-process. Each message comes
from its own customer, so no debounce window merges two of them. The offline Graph API
records every accepted message with its wall-clock time; latency is that time minus the
wall-clock time the POST was written, both read from the same machine's clock.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import _http_load
from benchmarks._payloads import Webhook, http_post, webhooks
from benchmarks._procs import (
    HOST,
    Child,
    Processes,
    child_env,
    free_port,
    uvicorn_command,
    wait_http,
)
from benchmarks._service_report import LatencyRow, percentile
from integrations.redis.client import RedisClient
from integrations.whatsapp.fake_graph import recording_key

WARMUP_MESSAGES = 5
POLL_SECONDS = 0.01
REPLY_SECONDS = 30.0
"""How long past its debounce a reply may take before it counts as missing."""


async def _first_replies(
    client: RedisClient, prefix: str, hooks: list[Webhook], child: Child, limit: float
) -> dict[int, float]:
    """Per webhook index, the wall-clock time the fake Graph API accepted its first reply."""
    keys = {index: recording_key(f"{prefix}:dev", hook.wa_id) for index, hook in enumerate(hooks)}
    found: dict[int, float] = {}
    deadline = time.monotonic() + limit
    while keys and time.monotonic() < deadline:
        pipe = client.pipeline(transaction=False)
        for key in keys.values():
            pipe.lindex(key, 0)
        for index, entry in zip(list(keys), await pipe.execute(), strict=True):
            if entry is not None:
                found[index] = float(json.loads(entry)["at"])
                del keys[index]
        if keys:
            child.check()
            await asyncio.sleep(POLL_SECONDS)
    return found


async def _converse(
    client: RedisClient,
    prefix: str,
    child: Child,
    port: int,
    hooks: list[Webhook],
    rate: float,
    limit: float,
) -> tuple[_http_load.LoadResult, dict[int, float]]:
    """POST every webhook at `rate`, then wait up to `limit` seconds for the replies."""
    requests = [http_post(HOST, port, hook) for hook in hooks]
    result = await _http_load.run(HOST, port, requests, rate, connections=8)
    return result, await _first_replies(client, prefix, hooks, child, limit)


async def measure(
    processes: Processes,
    client: RedisClient,
    redis_url: str,
    data_dir: Path,
    prefix: str,
    *,
    debounce: float,
    messages: int,
    rate: float,
    progress: Callable[[str], None],
) -> LatencyRow:
    """Serve the app with this debounce and time `messages` customers' first replies."""
    port = free_port()
    env = child_env(redis_url, prefix, data_dir, debounce)
    child = processes.start(
        f"service-debounce-{debounce:g}", uvicorn_command("service_app", port), env
    )
    try:
        await wait_http(child, port)
        warmup = webhooks(WARMUP_MESSAGES, f"{prefix}-warm", first_customer=messages)
        limit = REPLY_SECONDS + debounce
        await _converse(client, prefix, child, port, warmup, rate, limit)
        hooks = webhooks(messages, prefix)
        result, replies = await _converse(client, prefix, child, port, hooks, rate, limit)
    finally:
        processes.stop(child)
    latencies = [
        replies[index] - outcome.sent_wall
        for index, outcome in enumerate(result.outcomes)
        if outcome.ok and index in replies
    ]
    row = LatencyRow(
        debounce=debounce,
        messages=messages,
        rate=rate,
        posted=result.ok,
        replied=len(replies),
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        max_ms=max(latencies, default=0.0) * 1000,
    )
    progress(
        f"debounce {debounce:g} s: {row.replied}/{messages} replied, "
        f"p50 {row.p50_ms:.0f} ms, p99 {row.p99_ms:.0f} ms"
    )
    return row
