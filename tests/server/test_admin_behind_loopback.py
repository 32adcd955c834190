"""The admin rate limit on a real `atendente serve`: X-Forwarded-For cannot reset it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from redis.asyncio import Redis

from benchmarks._procs import child_env, free_port
from tests.server.test_loop_supervision import READY_SECONDS, wait_for


async def test_a_varying_forwarded_for_does_not_bypass_the_admin_limit(
    redis_client: Redis, redis_url: str, prefix: str, tmp_path: Path
) -> None:
    port = free_port()
    env = child_env(redis_url, prefix, tmp_path / "data", debounce=0)
    env.update(ATENDENTE_ADMIN_TOKEN="s3cret-token", ATENDENTE_ADMIN_RATE_LIMIT_PER_MINUTE="3")
    command = [str(Path(sys.executable).with_name("atendente")), "serve", "--port", str(port)]
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        serve = subprocess.Popen(command, env=env, stdout=output, stderr=output)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            await wait_for(client, 200, time.monotonic() + READY_SECONDS)
            codes = []
            for n in range(6):
                headers = {"Authorization": "Bearer guess", "X-Forwarded-For": f"203.0.113.{n}"}
                codes.append((await client.get("/admin/tickets", headers=headers)).status_code)
        assert codes == [401, 401, 401, 429, 429, 429], log.read_text()[-2000:]
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=15)
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
