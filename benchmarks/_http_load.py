"""An open-loop HTTP/1.1 load generator on plain asyncio sockets, for a loopback server.

Open loop: request `i` is due at `start + i / rate` whatever became of the earlier ones, and
its latency counts from that due time. A server that stalls is thus charged for every request
that queued behind the stall (no coordinated omission). Requests go out on a pool of
keep-alive connections opened beforehand; one that finds every connection busy waits for a
free one, and the wait is part of its latency. httpx spends too much CPU per request to hold
1000 requests/s beside the server on two cores, hence raw sockets and a minimal parser.

The generator's garbage collector is paused while it sends: a full collection in this process
(which imports the app's modules to build payloads) takes tens of milliseconds, and would be
charged to whichever server happened to be under load.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

DRAIN_SECONDS = 10.0
"""After the last request is due, how long answers may still take before counting as errors."""


@dataclass(slots=True)
class Outcome:
    """What happened to one request."""

    due: float = 0.0
    """`perf_counter` time the request was due to be sent."""
    queued: float = 0.0
    """`perf_counter` time the generator actually released it (lags `due` when it falls behind)."""
    sent_wall: float = 0.0
    """`time.time()` just before the request was written, to compare with other processes."""
    done: float = 0.0
    status: int = 0
    error: str = ""

    @property
    def ok(self) -> bool:
        """Answered with a 2xx."""
        return not self.error and 200 <= self.status < 300

    @property
    def latency(self) -> float:
        """Seconds from due to the whole response read."""
        return self.done - self.due


@dataclass(slots=True)
class LoadResult:
    """Every request's outcome at one target rate."""

    rate: float
    started: float
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def ok(self) -> int:
        """Requests answered with a 2xx."""
        return sum(outcome.ok for outcome in self.outcomes)

    @property
    def errors(self) -> int:
        """Requests refused, failed or left unanswered."""
        return len(self.outcomes) - self.ok

    @property
    def latencies(self) -> list[float]:
        """Latencies of the answered requests, in seconds."""
        return [outcome.latency for outcome in self.outcomes if outcome.ok]

    @property
    def achieved_rate(self) -> float:
        """2xx answers per second, from the first due time to the last answer."""
        ends = [outcome.done for outcome in self.outcomes if outcome.ok]
        return len(ends) / (max(ends) - self.started) if ends else 0.0

    @property
    def sent_rate(self) -> float:
        """Requests released per second by the generator itself (the target, if it kept up)."""
        queued = [outcome.queued for outcome in self.outcomes if outcome.queued]
        span = max(queued, default=self.started) - self.started
        return (len(queued) - 1) / span if span > 0 else 0.0

    @property
    def generator_lags(self) -> list[float]:
        """How late the generator released each request, in seconds."""
        return [outcome.queued - outcome.due for outcome in self.outcomes if outcome.queued]


class _ProtocolError(Exception):
    """An answer this minimal client does not read (chunked, or not HTTP/1.1)."""


class _Connection:
    """One keep-alive connection, one request at a time."""

    def __init__(self, host: str, port: int) -> None:
        self._host = host
        self._port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self._host, self._port)

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass

    async def exchange(self, request: bytes) -> int:
        """Send one request and read its whole answer; returns the status code."""
        if self._reader is None or self._writer is None:
            await self.open()
        assert self._reader is not None and self._writer is not None
        self._writer.write(request)
        await self._writer.drain()
        head = await self._reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 "):
            raise _ProtocolError("not an HTTP/1.1 answer")
        length, close = 0, False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection":
                close = value.strip().lower() == b"close"
            elif name == b"transfer-encoding":
                raise _ProtocolError("chunked answers are not read")
        if length:
            await self._reader.readexactly(length)
        if close:
            await self.close()
        return int(head[9:12])


async def _send_loop(
    connection: _Connection,
    queue: asyncio.Queue[int | None],
    requests: Sequence[bytes],
    outcomes: list[Outcome],
) -> None:
    """Take due requests off the queue and send them on this connection, one after another."""
    while (index := await queue.get()) is not None:
        outcome = outcomes[index]
        outcome.sent_wall = time.time()
        try:
            outcome.status = await connection.exchange(requests[index])
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
            outcome.error = type(error).__name__
            await connection.close()
        except (_ProtocolError, ValueError) as error:
            outcome.error = str(error) or type(error).__name__
            await connection.close()
        outcome.done = time.perf_counter()


async def run(
    host: str, port: int, requests: Sequence[bytes], rate: float, *, connections: int = 64
) -> LoadResult:
    """Send `requests` at `rate` per second (open loop) and return each one's outcome."""
    pool = [_Connection(host, port) for _ in range(connections)]
    await asyncio.gather(*(connection.open() for connection in pool))
    queue: asyncio.Queue[int | None] = asyncio.Queue()
    outcomes = [Outcome() for _ in requests]
    senders = [asyncio.create_task(_send_loop(c, queue, requests, outcomes)) for c in pool]
    gc.collect()
    gc.disable()
    started = time.perf_counter() + 0.01
    result = LoadResult(rate=rate, started=started, outcomes=outcomes)
    try:
        for index, outcome in enumerate(outcomes):
            outcome.due = started + index / rate
            delay = outcome.due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            outcome.queued = time.perf_counter()
            queue.put_nowait(index)
        for _ in pool:
            queue.put_nowait(None)
        await asyncio.wait(senders, timeout=DRAIN_SECONDS)
    finally:
        for sender in senders:
            sender.cancel()
        await asyncio.gather(*senders, return_exceptions=True)
        for connection in pool:
            await connection.close()
        gc.enable()
    for outcome in outcomes:
        if not outcome.done and not outcome.error:
            outcome.error = "no answer" if outcome.sent_wall else "not sent"
    return result
