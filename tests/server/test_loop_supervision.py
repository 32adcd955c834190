"""Background loops: a death is logged at once, `/readyz` says so, and the loop comes back."""

from __future__ import annotations

import asyncio
import logging
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from benchmarks._procs import child_env, free_port
from server.supervision import LoopHealth, supervise

READY_SECONDS = 90.0


async def test_a_loop_that_raises_is_logged_restarted_and_reported_down_meanwhile(
    caplog: pytest.LogCaptureFixture,
) -> None:
    health = LoopHealth()
    stop = asyncio.Event()
    calls = 0
    resumed = asyncio.Event()

    async def flaky() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("boom")
        resumed.set()
        await stop.wait()

    with caplog.at_level(logging.ERROR, logger="server.supervision"):
        task = asyncio.create_task(supervise("turns", flaky, stop, health, first_backoff=0.2))
        await asyncio.sleep(0.05)
        assert health.down() == ["turns"]
        await asyncio.wait_for(resumed.wait(), timeout=5)
        assert health.down() == []
        stop.set()
        await asyncio.wait_for(task, timeout=5)
    assert health.loops["turns"].restarts == 1
    assert "loop turns died (RuntimeError)" in caplog.text


async def ready(client: httpx.AsyncClient) -> tuple[int, dict[str, str]]:
    response = await client.get("/readyz")
    return response.status_code, response.json()


async def wait_for(client: httpx.AsyncClient, status: int, deadline: float) -> dict[str, str]:
    while True:
        try:
            code, body = await ready(client)
        except httpx.TransportError:
            code, body = 0, {}
        if code == status:
            return body
        assert time.monotonic() < deadline, f"/readyz never answered {status}: {body}"
        await asyncio.sleep(0.2)


async def test_the_running_service_reports_a_dead_loop_and_recovers(
    redis_client: Redis, redis_url: str, prefix: str, tmp_path: Path
) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    env = child_env(redis_url, prefix, tmp_path / "data", debounce=0)
    command = [str(Path(sys.executable).with_name("atendente")), "serve", "--port", str(port)]
    with log.open("wb") as output:
        serve = subprocess.Popen(command, env=env, stdout=output, stderr=output)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            await wait_for(client, 200, time.monotonic() + READY_SECONDS)
            stream = f"{prefix}:{{store-events}}"
            # A key of the wrong type where the stream was: every read fails with WRONGTYPE.
            await redis_client.delete(stream)
            await redis_client.set(stream, "not a stream")
            body = await wait_for(client, 503, time.monotonic() + 30)
            assert "store-events" in body["reason"], body
            await redis_client.delete(stream)
            await wait_for(client, 200, time.monotonic() + 60)
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=15)
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
    output = log.read_text()
    assert "loop store-events died (ResponseError)" in output, output[-2000:]
