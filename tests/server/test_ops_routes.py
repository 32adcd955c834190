"""/healthz, /readyz and /metrics on the real app, with Redis up and with Redis gone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from redis.asyncio import Redis

from integrations.redis.embedded import EmbeddedRedis
from server.app import create_app
from server.routes import ops
from server.services import Services
from tests.server.conftest import service_settings


def with_ops(app: FastAPI) -> FastAPI:
    """The app with the ops routes, whether or not `create_app` already mounts them."""
    if not any(isinstance(r, APIRoute) and r.path == "/readyz" for r in app.routes):
        app.include_router(ops.router)
    return app


@asynccontextmanager
async def running(
    redis_url: str, prefix: str, data_dir: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, Services]]:
    app = with_ops(create_app(service_settings(redis_url, prefix, data_dir), run_workers=False))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://atendente") as http:
            yield http, app.state.services


@pytest.fixture
async def app_up(
    redis_url: str, prefix: str, tmp_path: Path, redis_client: Redis
) -> AsyncIterator[tuple[httpx.AsyncClient, Services]]:
    async with running(redis_url, prefix, tmp_path) as opened:
        yield opened


@pytest.fixture
async def app_redis_gone(
    prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    """An app whose Redis stopped after startup; probes give up fast instead of retrying."""
    monkeypatch.setattr(ops, "REDIS_TIMEOUT_SECONDS", 0.3)
    server = EmbeddedRedis(tmp_path / "redis").start()
    try:
        async with running(server.url, prefix, tmp_path / "data") as (http, _):
            server.stop()
            yield http
    finally:
        server.stop()


async def test_healthz_answers_without_touching_redis(
    app_up: tuple[httpx.AsyncClient, Services],
) -> None:
    http, _ = app_up
    reply = await http.get("/healthz")
    assert reply.status_code == 200
    assert reply.json() == {"status": "ok"}


async def test_readyz_is_200_when_redis_answers(
    app_up: tuple[httpx.AsyncClient, Services],
) -> None:
    http, _ = app_up
    reply = await http.get("/readyz")
    assert reply.status_code == 200
    assert reply.json() == {"status": "ready"}


async def test_metrics_serves_prometheus_text_with_queue_gauges(
    app_up: tuple[httpx.AsyncClient, Services],
) -> None:
    http, services = app_up
    queue = services.inbound_queue.shards[0]
    await queue.add({"message": "{}"})
    await queue.add({"message": "{}"})

    reply = await http.get("/metrics")

    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert 'atendente_queue_depth{queue="inbound"} 2.0' in reply.text
    assert 'atendente_queue_pending{queue="inbound"} 0.0' in reply.text
    assert 'atendente_queue_depth{queue="store_events"} 0.0' in reply.text
    assert 'atendente_queue_lag_seconds{queue="outbox"} 0.0' in reply.text
    assert "# TYPE atendente_turns_total counter" in reply.text


async def test_metrics_negotiates_openmetrics(app_up: tuple[httpx.AsyncClient, Services]) -> None:
    http, _ = app_up
    reply = await http.get("/metrics", headers={"accept": "application/openmetrics-text"})
    assert reply.headers["content-type"].startswith("application/openmetrics-text")
    assert reply.text.rstrip().endswith("# EOF")


async def test_without_redis_readyz_is_503_and_the_rest_still_answer(
    app_redis_gone: httpx.AsyncClient,
) -> None:
    http = app_redis_gone

    ready = await http.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
    assert ready.json()["reason"].startswith("redis unreachable")

    assert (await http.get("/healthz")).status_code == 200
    scrape = await http.get("/metrics")
    assert scrape.status_code == 200
    assert "atendente_turns_total" in scrape.text
    assert "atendente_queue_depth{" not in scrape.text
