"""Worker throughput: `atendente worker` processes draining a pre-loaded inbound stream.

Starting a worker costs seconds of imports, which would swamp a drain of a few seconds, so
the clock starts only once every process is reading. The stream is pre-loaded but for one
message, and its consumer group is created past the end, so the workers start with nothing
to read; when all of them have started, the group is moved back to the start and the last
message is stored, which wakes the blocked reads at once. The clock stops when the inbound
and outbox streams are both empty: each entry is deleted once handled, and a turn queues its
reply before its entry is deleted, so both empty means every reply was accepted.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from redis.asyncio.cluster import RedisCluster

from benchmarks._payloads import Webhook, webhooks
from benchmarks._procs import (
    Child,
    ChildFailed,
    Processes,
    child_env,
    machine_cpu_seconds,
    worker_command,
)
from benchmarks._service_report import ThroughputRow
from integrations.redis.client import RedisClient
from integrations.whatsapp.fake_graph import recording_key
from server.inbound import InboundIntake
from server.outbox import Outbox
from server.streams import StreamQueue

POLL_SECONDS = 0.02
READY_SECONDS = 60.0
READY_LINE = "worker started"
"""What `atendente worker` logs once its queue loops are running."""
SETTLE_SECONDS = 0.5
STORE_BATCH = 50
"""Stores in flight at once, well under the client pool's 100 connections."""


async def _preload(intake: InboundIntake, hooks: list[Webhook]) -> None:
    """Store the messages with the webhook's own intake code, a batch at a time."""
    now_ms = int(time.time() * 1000)
    messages = [hook.inbound() for hook in hooks]
    for start in range(0, len(messages), STORE_BATCH):
        batch = messages[start : start + STORE_BATCH]
        await asyncio.gather(*(intake.store(message, now_ms) for message in batch))


async def _wait_started(children: list[Child]) -> None:
    """Until every worker says it started, then a moment for its loops to reach their reads.

    The group's consumer list cannot tell: Redis 7.0 registers a consumer only when it is
    handed an entry, and the group is empty on purpose.
    """
    deadline = time.monotonic() + READY_SECONDS
    waiting = list(children)
    while waiting and time.monotonic() < deadline:
        for child in waiting:
            child.check()
        waiting = [child for child in waiting if READY_LINE not in child.output()]
        await asyncio.sleep(POLL_SECONDS)
    if waiting:
        raise ChildFailed(
            f"{waiting[0].name} did not start within {READY_SECONDS:g} s:\n{waiting[0].log_tail()}"
        )
    await asyncio.sleep(SETTLE_SECONDS)


async def _wait_drained(
    client: RedisClient, streams: list[str], children: list[Child], started: float, limit: float
) -> tuple[float, int, bool]:
    """Seconds from `started` until every stream is empty, entries left, and whether in time."""
    left = 0
    while time.perf_counter() - started < limit:
        pipe = client.pipeline(transaction=False)
        for stream in streams:
            pipe.xlen(stream)
        left = sum(await pipe.execute())
        if not left:
            return time.perf_counter() - started, 0, True
        for child in children:
            child.check()
        await asyncio.sleep(POLL_SECONDS)
    return time.perf_counter() - started, left, False


async def _replied(client: RedisClient, prefix: str, hooks: list[Webhook]) -> int:
    """Customers the offline Graph API accepted at least one message for."""
    pipe = client.pipeline(transaction=False)
    for hook in hooks:
        pipe.exists(recording_key(f"{prefix}:dev", hook.wa_id))
    return sum(await pipe.execute())


async def _redis_cpu(client: RedisClient) -> float:
    """CPU seconds the Redis server (every node of a cluster) has used since it started."""
    if isinstance(client, RedisCluster):
        info: Any = await client.info("cpu", target_nodes=RedisCluster.PRIMARIES)
    else:
        info = await client.info("cpu")
    nodes = [info] if "used_cpu_user" in info else list(info.values())
    return sum(float(node["used_cpu_user"]) + float(node["used_cpu_sys"]) for node in nodes)


async def measure(
    processes: Processes,
    client: RedisClient,
    redis_url: str,
    data_dir: Path,
    prefix: str,
    *,
    workers: int,
    shards: int = 1,
    cluster: bool = False,
    messages: int,
    progress: Callable[[str], None],
    source: Path | None = None,
) -> ThroughputRow:
    """Pre-load `messages` (one per customer), release them to `workers` processes, time it.

    One function from loading to reading the clock, so nothing runs between the two that
    the figures would not show.

    `source` runs the workers from another checkout of the code (on this interpreter), for
    comparing revisions; by default they run this one.
    """
    intake = InboundIntake(client, prefix, shards=shards)
    queues = [StreamQueue(client, stream) for stream in intake.streams]
    outboxes = [
        StreamQueue(client, stream) for stream in Outbox(client, prefix, shards=shards).streams
    ]
    hooks = webhooks(messages, prefix)
    await _preload(intake, hooks[:-1])
    for queue in queues:
        await client.xgroup_create(queue.stream, queue.group, id="$", mkstream=True)
    env = child_env(redis_url, prefix, data_dir, debounce=0)
    env["ATENDENTE_STREAM_SHARDS"] = str(shards)
    env["REDIS_CLUSTER"] = "true" if cluster else "false"
    if source is not None:
        env["PYTHONPATH"] = str(source)
    children = [
        processes.start(f"worker-{prefix}-{number}", worker_command(), env)
        for number in range(workers)
    ]
    try:
        await _wait_started(children)
        for queue in queues:
            await client.xgroup_setid(queue.stream, queue.group, "0")
        worker_cpu = -sum(child.cpu_seconds() for child in children)
        redis_cpu = -await _redis_cpu(client)
        machine_cpu = -machine_cpu_seconds()
        started = time.perf_counter()
        await _preload(intake, hooks[-1:])
        seconds, left, complete = await _wait_drained(
            client,
            [*intake.streams, *(outbox.stream for outbox in outboxes)],
            children,
            started,
            limit=max(30.0, messages / 20),
        )
        worker_cpu += sum(child.cpu_seconds() for child in children)
        redis_cpu += await _redis_cpu(client)
        machine_cpu += machine_cpu_seconds()
        inbound_left = sum([await client.xlen(queue.stream) for queue in queues])
        inbound_dead = sum([await client.xlen(queue.dead_letter) for queue in queues])
        outbox_dead = sum([await client.xlen(outbox.dead_letter) for outbox in outboxes])
        replied = await _replied(client, prefix, hooks)
    finally:
        for child in children:
            processes.stop(child)
    row = ThroughputRow(
        workers=workers,
        messages=messages,
        handled=messages - inbound_left - inbound_dead,
        replied=replied,
        seconds=seconds,
        left=left,
        dead_lettered=inbound_dead + outbox_dead,
        complete=complete,
        worker_cpu_seconds=worker_cpu,
        redis_cpu_seconds=redis_cpu,
        machine_cpu_seconds=machine_cpu,
    )
    progress(
        f"{workers} worker(s): {row.handled} messages in {seconds:.1f} s, "
        f"{row.per_process:.1f} msg/s per process"
    )
    return row
