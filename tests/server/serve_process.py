"""`atendente serve` as a real process on a free loopback port, ready when `/readyz` says so."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks._procs import child_env, free_port

READY_SECONDS = 90.0
"""Start-up (imports, the model, services); generous for CI."""


@dataclass
class ServeProcess:
    """The running service, a client for it and its log."""

    client: httpx.AsyncClient
    log: Path

    def output(self) -> str:
        """Everything the process printed so far."""
        return self.log.read_text()


async def wait_for(client: httpx.AsyncClient, status: int, deadline: float) -> dict[str, str]:
    """Poll `/readyz` until it answers `status`; its body then."""
    while True:
        try:
            response = await client.get("/readyz")
            code, body = response.status_code, response.json()
        except httpx.TransportError:
            code, body = 0, {}
        if code == status:
            return body
        assert time.monotonic() < deadline, f"/readyz never answered {status}: {body}"
        await asyncio.sleep(0.2)


@asynccontextmanager
async def serve_process(
    redis_url: str, prefix: str, work_dir: Path, **env: str
) -> AsyncIterator[ServeProcess]:
    """Start `atendente serve` with `env`, wait until ready, stop it with SIGTERM after."""
    port = free_port()
    environment = {**child_env(redis_url, prefix, work_dir / "data", debounce=0), **env}
    command = [str(Path(sys.executable).with_name("atendente")), "serve", "--port", str(port)]
    log = work_dir / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=environment, stdout=output, stderr=output)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            await wait_for(client, 200, time.monotonic() + READY_SECONDS)
            yield ServeProcess(client, log)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
