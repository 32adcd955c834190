"""EmbeddedRedis: a real valkey-server that persists, is shared per data dir and cleans up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from integrations.redis import embedded
from integrations.redis.embedded import (
    LOCK_FILE,
    STATE_FILE,
    EmbeddedRedis,
    EmbeddedRedisError,
)

Start = Callable[[Path], EmbeddedRedis]
REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def start() -> Iterator[Start]:
    """Start servers for a test and stop every one of them afterwards, even on failure."""
    started: list[EmbeddedRedis] = []

    def run(data_dir: Path) -> EmbeddedRedis:
        server = EmbeddedRedis(data_dir)
        started.append(server)
        return server.start()

    yield run
    for server in reversed(started):
        server.stop()


def state_of(data_dir: Path) -> dict[str, int]:
    loaded: dict[str, int] = json.loads((data_dir / STATE_FILE).read_text())
    return loaded


def is_running(pid: int) -> bool:
    return embedded._is_alive(pid)


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


async def test_data_survives_a_restart(tmp_path: Path, start: Start) -> None:
    first = start(tmp_path)
    first_pid = first.pid
    async with Redis(host=first.host, port=first.port) as client:
        await client.set("conversa", b"\x00bytes\xff")
    first.stop()
    assert not is_running(first_pid)

    second = start(tmp_path)
    assert second.pid != first_pid
    async with Redis(host=second.host, port=second.port) as client:
        assert await client.get("conversa") == b"\x00bytes\xff"
        settings = await client.config_get("appendonly", "appendfsync", "maxmemory-policy")
    assert settings == {
        "appendonly": "yes",
        "appendfsync": "everysec",
        "maxmemory-policy": "noeviction",
    }
    assert (tmp_path / "appendonlydir").is_dir()


def test_stop_shuts_the_server_down_and_clears_the_state(tmp_path: Path) -> None:
    with EmbeddedRedis(tmp_path) as server:
        pid = server.pid
        assert server.owns_server
        assert state_of(tmp_path) == {"pid": pid, "port": server.port, "owner_pid": os.getpid()}
    assert not is_running(pid)
    assert not (tmp_path / STATE_FILE).exists()
    with pytest.raises(EmbeddedRedisError, match="not running"):
        _ = server.port
    server.stop()


def test_second_instance_reuses_the_running_server(tmp_path: Path, start: Start) -> None:
    first = start(tmp_path)
    second = start(tmp_path)

    assert (second.pid, second.port) == (first.pid, first.port)
    assert not second.owns_server
    second.stop()
    assert embedded._server_pid(first.port) == first.pid

    pid = first.pid
    first.stop()
    assert not is_running(pid)


@pytest.mark.parametrize(
    "state",
    [
        pytest.param(lambda port: {"pid": dead_pid(), "port": port, "owner_pid": 1}, id="dead-pid"),
        pytest.param(
            lambda port: {"pid": os.getpid(), "port": port, "owner_pid": os.getpid()},
            id="live-pid-silent-port",
        ),
        pytest.param(lambda port: "not json {", id="garbage"),
    ],
)
def test_stale_state_file_is_replaced(
    tmp_path: Path, start: Start, state: Callable[[int], object]
) -> None:
    stale = state(embedded._free_port())
    text = stale if isinstance(stale, str) else json.dumps(stale)
    (tmp_path / STATE_FILE).write_text(text)

    server = start(tmp_path)

    assert server.owns_server
    assert state_of(tmp_path) == {
        "pid": server.pid,
        "port": server.port,
        "owner_pid": os.getpid(),
    }


def test_orphaned_server_is_adopted_and_stopped(tmp_path: Path, start: Start) -> None:
    script = (
        "import os, sys; from pathlib import Path;"
        "from integrations.redis.embedded import EmbeddedRedis;"
        "print(EmbeddedRedis(Path(sys.argv[1])).start().pid, flush=True); os._exit(0)"
    )
    crashed = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    orphan_pid = int(crashed.stdout)

    adopter = start(tmp_path)

    assert adopter.pid == orphan_pid
    assert adopter.owns_server
    assert state_of(tmp_path)["owner_pid"] == os.getpid()
    adopter.stop()
    assert not is_running(orphan_pid)


def test_failed_start_reports_the_log_tail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_args = embedded._server_args

    def broken_args(port: int, data_dir: Path) -> list[str]:
        return [*real_args(port, data_dir), "--maxmemory-policy", "sometimes"]

    monkeypatch.setattr(embedded, "_server_args", broken_args)

    with pytest.raises(EmbeddedRedisError) as raised:
        EmbeddedRedis(tmp_path).start()

    message = str(raised.value)
    assert "exited with code" in message
    assert "maxmemory-policy" in message
    assert str(tmp_path / "valkey.log") in message
    assert not (tmp_path / STATE_FILE).exists()
    assert (tmp_path / LOCK_FILE).exists()
