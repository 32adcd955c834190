"""The Redis side of the benchmark: a client that counts round trips, and server statistics.

A round trip is one network write of a command batch: `send_packed_command` runs once per
single command and once per pipeline, whatever its length. Sends made while a connection
says hello (CLIENT SETINFO and the like) are kept apart: they are per connection, not per turn.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redis.asyncio.connection import Connection, ConnectionPool

from benchmarks._counting import current_call
from integrations.redis.client import RedisClient
from integrations.redis.connection import mask_url, open_redis


@dataclass(slots=True)
class SendCounter:
    """Network writes seen by every connection of one pool."""

    sends: int = 0
    handshakes: int = 0

    def reset(self) -> None:
        """Start counting from zero (after the warm-up)."""
        self.sends = 0
        self.handshakes = 0


class CountingConnection(Connection):
    """A TCP connection that counts each write of a command or a pipeline."""

    def __init__(self, *, counter: SendCounter, **kwargs: Any) -> None:
        """Take the shared `counter` from the pool's connection kwargs."""
        super().__init__(**kwargs)
        self.counter = counter
        self._greeting = False

    async def on_connect_check_health(self, check_health: bool = True) -> None:
        """Greet the server; the sends made meanwhile are handshakes, not traffic."""
        self._greeting = True
        try:
            await super().on_connect_check_health(check_health=check_health)
        finally:
            self._greeting = False

    async def send_packed_command(
        self, command: bytes | str | Iterable[bytes], check_health: bool = True
    ) -> None:
        """Count, then send: one call here is one round trip."""
        if self._greeting:
            self.counter.handshakes += 1
        else:
            self.counter.sends += 1
            tally = current_call.get()
            if tally is not None:
                tally.round_trips += 1
        await super().send_packed_command(command, check_health)


@dataclass(slots=True)
class RedisProbe:
    """A counting client on the server under test, and how to name that server."""

    client: RedisClient
    counter: SendCounter
    server: str


@asynccontextmanager
async def open_probe(url: str | None, data_dir: Path) -> AsyncIterator[RedisProbe]:
    """Connect like the app (`REDIS_URL`, else the embedded server), counting every send."""
    async with open_redis(url, data_dir=data_dir) as plain:
        base = plain.connection_pool
        if base.connection_class is not Connection:
            raise SystemExit("round trips are counted on plain TCP connections (redis://) only")
        kwargs = {k: v for k, v in base.connection_kwargs.items() if k != "himport_registry"}
        counter = SendCounter()
        pool = ConnectionPool(connection_class=CountingConnection, counter=counter, **kwargs)
        client = RedisClient.from_pool(pool)
        try:
            info = await client.info("server")
            name = "Valkey" if "valkey_version" in info else "Redis"
            version = info.get("valkey_version") or info.get("redis_version")
            where = mask_url(url) if url else f"embedded, {kwargs['host']}:{kwargs['port']}"
            yield RedisProbe(client, counter, f"{name} {version} ({where})")
        finally:
            await client.aclose()


async def self_check(probe: RedisProbe, key: str) -> None:
    """Prove the counter: a 3-command pipeline is one send, and so is a single command."""
    probe.counter.reset()
    pipe = probe.client.pipeline(transaction=False)
    pipe.set(key, b"1")
    pipe.incr(key)
    pipe.get(key)
    await pipe.execute()
    after_pipeline = probe.counter.sends
    await probe.client.delete(key)
    if (after_pipeline, probe.counter.sends) != (1, 2):
        raise SystemExit(
            f"round-trip counter is off: pipeline of 3 counted {after_pipeline} sends, "
            f"pipeline plus DEL counted {probe.counter.sends} (expected 1 and 2)"
        )
    probe.counter.reset()


async def commands_processed(client: RedisClient) -> int:
    """The server's `total_commands_processed` (includes the INFO asking for it)."""
    stats = await client.info("stats")
    return int(stats["total_commands_processed"])


async def info_overhead(client: RedisClient) -> int:
    """How much one INFO call moves the command counter, measured rather than assumed."""
    first = await commands_processed(client)
    return await commands_processed(client) - first


async def _keys(client: RedisClient, prefix: str) -> list[bytes]:
    return [key async for key in client.scan_iter(match=f"{prefix}*", count=1000)]


async def memory_usage(client: RedisClient, prefix: str) -> tuple[int, int]:
    """Bytes (`MEMORY USAGE key SAMPLES 0`, summed) and count of the keys under `prefix`."""
    keys = await _keys(client, prefix)
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.memory_usage(key, samples=0)
    sizes = await pipe.execute() if keys else []
    return sum(int(size or 0) for size in sizes), len(keys)


async def delete_prefix(client: RedisClient, prefix: str) -> int:
    """Remove the run's keys, and only them (the server may hold other data)."""
    keys = await _keys(client, prefix)
    for start in range(0, len(keys), 500):
        await client.unlink(*keys[start : start + 500])
    return len(keys)
