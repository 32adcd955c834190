"""Background loops: a death is logged at once, `/readyz` says so, and the loop comes back."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest
from redis.asyncio import Redis

from server.supervision import LoopHealth, supervise
from tests.server.serve_process import serve_process, wait_for


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


async def test_the_running_service_reports_a_dead_loop_and_recovers(
    redis_client: Redis, redis_url: str, prefix: str, tmp_path: Path
) -> None:
    async with serve_process(redis_url, prefix, tmp_path) as serve:
        stream = f"{prefix}:{{store-events}}"
        # A key of the wrong type where the stream was: every read fails with WRONGTYPE.
        await redis_client.delete(stream)
        await redis_client.set(stream, "not a stream")
        body = await wait_for(serve.client, 503, time.monotonic() + 30)
        assert "store-events" in body["reason"], body
        await redis_client.delete(stream)
        await wait_for(serve.client, 200, time.monotonic() + 60)
    output = serve.output()
    assert "loop store-events died (ResponseError)" in output, output[-2000:]
