"""The service benchmark's subprocesses: started offline on loopback, and always stopped.

Every child runs from a scratch directory (so no `.env` is read) with the credentials of
real outside systems removed from its environment: whatever the shell holds, a benchmark
turn talks only to the demo store, the demo carriers and the offline Graph API.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

HOST = "127.0.0.1"
REPO = Path(__file__).resolve().parent.parent
LOOP = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
HTTP = "httptools" if importlib.util.find_spec("httptools") else "h11"
_ONLINE = (
    "NUVEMSHOP_STORE_ID",
    "NUVEMSHOP_ACCESS_TOKEN",
    "NUVEMSHOP_APP_SECRET",
    "WHATSAPP_ACCESS_TOKEN",
    "WHATSAPP_PHONE_NUMBER_ID",
    "WHATSAPP_APP_SECRET",
    "CORREIOS_TOKEN",
    "CORREIOS_USER",
    "CORREIOS_ACCESS_CODE",
    "SEVENTEENTRACK_API_KEY",
    "ATENDENTE_HANDOFF_WEBHOOK_URL",
    "ATENDENTE_HANDOFF_NOTIFY_WHATSAPP",
)
"""Variables that would switch a child to a real outside system."""
_LOG_TAIL_LINES = 15
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class ChildFailed(RuntimeError):
    """A child exited or never became ready; the message carries the tail of its output."""


@dataclass(slots=True)
class Child:
    """A started subprocess and the file its output goes to."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def check(self) -> None:
        """Raise `ChildFailed` if the process has exited."""
        code = self.process.poll()
        if code is not None:
            raise ChildFailed(f"{self.name} exited with code {code}:\n{self.log_tail()}")

    def cpu_seconds(self) -> float:
        """User plus system CPU the process has used so far (0 where /proc is missing)."""
        try:
            stat = Path(f"/proc/{self.process.pid}/stat").read_text(encoding="ascii")
        except OSError:
            return 0.0
        fields = stat.rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS

    def output(self) -> str:
        """Everything the child wrote so far."""
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def log_tail(self) -> str:
        """The last lines the child wrote."""
        return "\n".join(self.output().splitlines()[-_LOG_TAIL_LINES:])


class Processes:
    """Every child of one benchmark run, stopped on exit whatever happened."""

    def __init__(self, work_dir: Path) -> None:
        """Run children from `work_dir` and keep their output there."""
        self._dir = work_dir
        self._children: list[Child] = []
        self._started = 0

    def start(self, name: str, argv: list[str], env: Mapping[str, str]) -> Child:
        """Start a child in its own session, so a Ctrl-C reaches only us and we stop it."""
        self._started += 1
        log = self._dir / f"{self._started:02d}-{name.replace(' ', '-')}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                argv,
                cwd=self._dir,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        child = Child(name, process, log)
        self._children.append(child)
        return child

    def stop(self, child: Child, timeout: float = 10.0) -> None:
        """SIGTERM (graceful shutdown), SIGKILL only if the child hangs."""
        if child.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                child.process.send_signal(signal.SIGTERM)
            try:
                child.process.wait(timeout)
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
        if child in self._children:
            self._children.remove(child)

    def stop_all(self) -> None:
        """Stop every child still running, newest first."""
        for child in reversed(list(self._children)):
            self.stop(child)

    def __enter__(self) -> Processes:
        """Hold the children for the `with` block."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop whatever is still running."""
        self.stop_all()


def child_env(redis_url: str, prefix: str, data_dir: Path, debounce: float) -> dict[str, str]:
    """This process's environment, offline, pointed at the shared Redis under `prefix`.

    The brain is pinned to the rules: with `auto`, a model key in the caller's environment
    would have the children think with the model, and the figures would measure its API.
    """
    env = {key: value for key, value in os.environ.items() if key not in _ONLINE}
    for key in list(env):
        if key.startswith(("LANGSMITH_", "LANGCHAIN_")):
            del env[key]
    env.update(
        REDIS_URL=redis_url,
        ATENDENTE_REDIS_PREFIX=prefix,
        ATENDENTE_DATA_DIR=str(data_dir),
        ATENDENTE_DEBOUNCE_SECONDS=f"{debounce:g}",
        ATENDENTE_BRAIN="rules",
        PYTHONUNBUFFERED="1",
    )
    return env


def machine_cpu_seconds() -> float:
    """CPU seconds every process on the machine has used since boot (0 where /proc is missing).

    Compared with our own processes' CPU, it shows when something else shared the cores.
    """
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
    except OSError:
        return 0.0
    idle, iowait = fields[3], fields[4]
    return (sum(fields[:8]) - idle - iowait) / _CLOCK_TICKS


def free_port() -> int:
    """A loopback port the kernel just handed out, so no fixed port can collide."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def uvicorn_command(factory: str, port: int) -> list[str]:
    """One uvicorn process serving `benchmarks._apps:<factory>`; the same flags for every app."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        f"benchmarks._apps:{factory}",
        "--factory",
        "--app-dir",
        str(REPO),
        "--host",
        HOST,
        "--port",
        str(port),
        "--loop",
        LOOP,
        "--http",
        HTTP,
        "--no-access-log",
        "--timeout-keep-alive",
        "30",
        "--log-level",
        "warning",
    ]


def _atendente() -> list[str]:
    """The `atendente` command: the venv's console script when there is one."""
    script = Path(sys.executable).with_name("atendente")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from cli import app; app()"]


def worker_command() -> list[str]:
    """`atendente worker`."""
    return [*_atendente(), "worker"]


def serve_command(port: int) -> list[str]:
    """`atendente serve` on a loopback `port`: the web service with its workers in-process."""
    return [*_atendente(), "serve", "--host", HOST, "--port", str(port)]


async def wait_http(child: Child, port: int, timeout: float = 60.0) -> None:
    """Wait until the child answers HTTP (uvicorn listens only once its lifespan is up)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        child.check()
        try:
            reader, writer = await asyncio.open_connection(HOST, port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        try:
            writer.write(f"GET /healthz HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
        except (OSError, asyncio.IncompleteReadError):
            await asyncio.sleep(0.05)
            continue
        finally:
            writer.close()
        if head.startswith(b"HTTP/1.1 "):
            return
    raise ChildFailed(f"{child.name} did not answer HTTP within {timeout:g} s:\n{child.log_tail()}")
