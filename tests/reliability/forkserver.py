"""Turn workers or reply senders as real processes a test can SIGKILL, restarted in ms.

`python -m tests.reliability.forkserver` imports the app once, then forks one turn worker
per `spawn` line on stdin and prints `spawned <pid>`; each worker prints `ready <pid>` when
it consumes the inbound stream. Forking from an imported parent makes a restart cost
~15 ms instead of the ~1.5 s of starting `atendente worker` afresh, so a test can kill and
restart twenty of them within seconds.

A worker is what `atendente worker` runs for the inbound stream (`open_services` and
`StreamQueue.run` over `TurnWorker.handle`), configured from the same environment
variables; the test sets ATENDENTE_CLAIM_IDLE_SECONDS and ATENDENTE_TURN_LOCK_SECONDS low
so a dead worker's entries and locks are taken over within seconds. With
`ATENDENTE_FORK_ROLE=sender` each child is instead the outbox sender `atendente worker`
runs (`OutboxSender.handle` over the outbox stream), for tests that kill senders.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
import traceback
from collections.abc import Mapping
from pathlib import Path

from composition.settings import Settings
from server.assembly import open_services
from server.sender import OutboxSender
from server.worker import TurnParts, TurnWorker

ROOT = Path(__file__).resolve().parents[2]
ROLE = "ATENDENTE_FORK_ROLE"
"""`turns` (the default) or `sender`: what each forked child runs."""


def _say(line: str) -> None:
    """One whole line on stdout, written at once (workers and the parent share the pipe)."""
    os.write(1, (line + "\n").encode())


async def _work() -> None:
    settings = Settings(_env_file=None)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with open_services(settings, run_workers=False) as services:
        if os.environ.get(ROLE) == "sender":
            sender = OutboxSender(
                services.redis, settings.redis_prefix, services.whatsapp.client, services.outbox
            )
            _say(f"ready {os.getpid()}")
            await services.outbox_queue.run(consumer_name(os.getpid()), sender.handle, stop)
            return
        turns = TurnWorker(TurnParts.of(services), debounce_seconds=settings.debounce_seconds)
        _say(f"ready {os.getpid()}")
        await services.inbound_queue.run(consumer_name(os.getpid()), turns.handle, stop)


def consumer_name(pid: int) -> str:
    """The consumer a worker process reads its stream as."""
    return f"worker-{pid}"


def _spawn() -> int:
    pid = os.fork()
    if pid:
        return pid
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    code = 0
    try:
        asyncio.run(_work())
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        sys.stderr.flush()
        os._exit(code)


def _ours(pid: int) -> bool:
    """Whether `pid` is still a child of this process (never signal a reused pid)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return int(stat.rpartition(")")[2].split()[1]) == os.getpid()


def main() -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps killed workers
    children: list[int] = []
    for line in sys.stdin:
        if line.strip() != "spawn":
            break
        pid = _spawn()
        children.append(pid)
        _say(f"spawned {pid}")
    living = [pid for pid in children if _ours(pid)]
    for pid in living:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    while any(_ours(pid) for pid in living) and time.monotonic() < deadline:
        time.sleep(0.02)
    for pid in living:
        if _ours(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


class ForkServer:
    """The test's side: spawn workers, wait until they consume, kill them."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process
        self._ready: dict[int, asyncio.Event] = {}
        self._spawned: asyncio.Queue[int] = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(
        cls, env: Mapping[str, str], *, stderr: Path, claim_idle_ms: int, lock_seconds: float
    ) -> ForkServer:
        full_env = {
            **env,
            "ATENDENTE_CLAIM_IDLE_SECONDS": str(claim_idle_ms / 1000),
            "ATENDENTE_TURN_LOCK_SECONDS": str(lock_seconds),
        }
        with stderr.open("ab") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.reliability.forkserver",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                env=full_env,
                cwd=ROOT,
            )
        return cls(process)

    async def _read(self) -> None:
        assert self._process.stdout is not None
        async for raw in self._process.stdout:
            word, _, pid = raw.decode().strip().partition(" ")
            if word == "spawned":
                self._spawned.put_nowait(int(pid))
            elif word == "ready":
                self._ready.setdefault(int(pid), asyncio.Event()).set()

    async def spawn(self, *, timeout: float = 20.0) -> int:
        """A new worker, once it reads the inbound stream (the first pays the imports)."""
        assert self._process.stdin is not None
        self._process.stdin.write(b"spawn\n")
        await self._process.stdin.drain()
        pid = await asyncio.wait_for(self._spawned.get(), timeout)
        ready = self._ready.setdefault(pid, asyncio.Event())
        await asyncio.wait_for(ready.wait(), timeout)
        return pid

    @staticmethod
    def kill(pid: int) -> None:
        os.kill(pid, signal.SIGKILL)

    async def close(self) -> None:
        """Stop the remaining workers (SIGTERM) and the fork server."""
        if self._process.returncode is None and self._process.stdin is not None:
            self._process.stdin.write(b"quit\n")
            with contextlib.suppress(ConnectionError):
                await self._process.stdin.drain()
            self._process.stdin.close()
        try:
            await asyncio.wait_for(self._process.wait(), 10)
        except TimeoutError:
            self._process.kill()
            await self._process.wait()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


if __name__ == "__main__":
    main()
