"""The deployment recipe's topology on one machine: nginx in front of two `atendente serve`
processes, two `atendente worker` processes, and one Redis they share.

nginx runs `deploy/nginx.conf` itself, with loopback ports swapped in for the compose
service names of its upstream and for its listen port; a main config around it keeps the
pid file, logs and temporary files under the test's directory, so nginx needs neither root
nor a privileged port. Every process is a child of `benchmarks._procs.Processes`, started
from a scratch directory (no `.env` is read) and stopped whatever happens.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis

from benchmarks._procs import (
    HOST,
    REPO,
    Child,
    Processes,
    child_env,
    free_port,
    serve_command,
    wait_http,
    worker_command,
)
from tests.server.serve_process import READY_SECONDS, wait_for

NGINX = Path("/usr/sbin/nginx")
"""Debian's nginx (`apt-get install nginx`; `make nginx` does it as root)."""
RECIPE = REPO / "deploy" / "nginx.conf"
_UPSTREAM = re.compile(r"^(\s*server\s+)serve-\d+:8000\b", re.MULTILINE)
_LISTEN = re.compile(r"^(\s*listen\s+)8080;", re.MULTILINE)


def site_config(serve_ports: Sequence[int], listen_port: int) -> str:
    """`deploy/nginx.conf` with loopback ports for the compose services and the listener."""
    text = RECIPE.read_text()
    named = len(_UPSTREAM.findall(text))
    if named != len(serve_ports):
        raise ValueError(f"{RECIPE} names {named} serve processes, not {len(serve_ports)}")
    ports = iter(serve_ports)
    text = _UPSTREAM.sub(lambda match: f"{match[1]}{HOST}:{next(ports)}", text)
    text, listeners = _LISTEN.subn(rf"\g<1>{HOST}:{listen_port};", text)
    if listeners != 1:
        raise ValueError(f"{RECIPE} should have one `listen 8080;`, not {listeners}")
    return text


def main_config(site: Path, run_dir: Path) -> str:
    """The main config around the site: in the foreground, everything written in `run_dir`.

    As root, nginx's workers would switch to `nobody`, who cannot enter a pytest directory.
    """
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}daemon off;
worker_processes 1;
pid {run_dir}/nginx.pid;
error_log {run_dir}/error.log notice;
events {{
    worker_connections 512;
}}
http {{
    access_log {run_dir}/access.log;
    client_body_temp_path {run_dir}/client_body;
    proxy_temp_path {run_dir}/proxy;
    fastcgi_temp_path {run_dir}/fastcgi;
    uwsgi_temp_path {run_dir}/uwsgi;
    scgi_temp_path {run_dir}/scgi;
    include {site};
}}
"""


def nginx_command(run_dir: Path, serve_ports: Sequence[int], listen_port: int) -> list[str]:
    """nginx on `listen_port` in front of `serve_ports`, its files written into `run_dir`."""
    run_dir.mkdir(parents=True, exist_ok=True)
    site = run_dir / "atendente.conf"
    site.write_text(site_config(serve_ports, listen_port))
    config = run_dir / "nginx.conf"
    config.write_text(main_config(site, run_dir))
    return [str(NGINX), "-p", str(run_dir), "-e", str(run_dir / "error.log"), "-c", str(config)]


@dataclass
class Topology:
    """The running processes and where to reach them."""

    url: str
    """nginx, in front of the serve processes."""
    serves: list[Child]
    serve_ports: list[int]
    workers: list[Child]
    nginx: Child
    run_dir: Path

    def nginx_errors(self) -> str:
        """nginx's error log: the upstream failures it met and failed over from."""
        return (self.run_dir / "error.log").read_text(errors="replace")


async def _worker_started(worker: Child, deadline: float) -> None:
    while "worker started" not in worker.output():
        worker.check()
        assert time.monotonic() < deadline, f"{worker.name} never started:\n{worker.log_tail()}"
        await asyncio.sleep(0.1)


async def _ready(serve: Child, port: int, deadline: float) -> None:
    await wait_http(serve, port, timeout=READY_SECONDS)
    async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}") as client:
        await wait_for(client, 200, deadline)


@asynccontextmanager
async def topology(
    redis_url: str, prefix: str, work_dir: Path, env: Mapping[str, str]
) -> AsyncIterator[Topology]:
    """nginx, two serve and two worker processes with `env`, once every one is ready."""
    with Processes(work_dir) as processes:
        environment = {**child_env(redis_url, prefix, work_dir / "data", debounce=0), **env}
        serve_ports = [free_port(), free_port()]
        listen_port = free_port()
        serves = [
            processes.start(f"serve-{number}", serve_command(port), environment)
            for number, port in enumerate(serve_ports, 1)
        ]
        workers = [processes.start(f"worker-{n}", worker_command(), environment) for n in (1, 2)]
        deadline = time.monotonic() + READY_SECONDS
        await asyncio.gather(
            *(
                _ready(serve, port, deadline)
                for serve, port in zip(serves, serve_ports, strict=True)
            ),
            *(_worker_started(worker, deadline) for worker in workers),
        )
        # Only now: a request nginx could not pass on would take both serves out for a while.
        run_dir = work_dir / "nginx"
        nginx = processes.start(
            "nginx", nginx_command(run_dir, serve_ports, listen_port), environment
        )
        await wait_http(nginx, listen_port)
        yield Topology(f"http://{HOST}:{listen_port}", serves, serve_ports, workers, nginx, run_dir)


async def queue_streams(redis: Redis, prefix: str) -> list[str]:
    """Every stream under `prefix` (the queues, however they are split into shards)."""
    return sorted(
        [key.decode() async for key in redis.scan_iter(match=f"{prefix}:*", _type="stream")]
    )


async def holds_entries(redis: Redis, streams: list[str], child: Child) -> bool:
    """Whether the process has taken entries of `streams` it has not acknowledged yet."""
    mine = f"{socket.gethostname()}-{child.process.pid}-"
    for stream in streams:
        groups: Any = await redis.xinfo_groups(stream)
        for group in groups:
            consumers: Any = await redis.xinfo_consumers(stream, group["name"])
            if any(_text(c["name"]).startswith(mine) and c["pending"] for c in consumers):
                return True
    return False


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


async def kill_mid_work(redis: Redis, prefix: str, child: Child, *, within: float) -> bool:
    """SIGKILL the process, as soon as it holds entries (mid-turn or mid-send) if it does
    within `within` seconds; returns whether it held any when killed."""
    deadline = time.monotonic() + within
    streams = await queue_streams(redis, prefix)
    holding = await holds_entries(redis, streams, child)
    while not holding and time.monotonic() < deadline:
        await asyncio.sleep(0.002)
        holding = await holds_entries(redis, streams, child)
    child.process.kill()
    child.process.wait()
    return holding
