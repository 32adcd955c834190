"""A running app on the test Redis, with its store-events worker driven by the test."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from composition.settings import DEMO_WEBHOOK_SECRET, Settings
from server.app import create_app
from server.services import Services
from server.signatures import hex_signature


@dataclass
class Service:
    """The app under test, its services and an HTTP client that signs like Nuvemshop."""

    http: httpx.AsyncClient
    services: Services

    async def webhook(
        self,
        payload: dict[str, Any] | bytes,
        *,
        path: str = "",
        secret: str | None = DEMO_WEBHOOK_SECRET,
    ) -> httpx.Response:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {"content-type": "application/json"}
        if secret is not None:
            headers["x-linkedstore-hmac-sha256"] = hex_signature(secret, body)
        return await self.http.post(f"/webhooks/nuvemshop{path}", content=body, headers=headers)

    async def drain(self) -> int:
        """Let the store-events worker handle everything queued so far."""
        queue = self.services.store_events
        handled = 0
        while count := await queue.process("test", self.services.handler, block_ms=10):
            handled += count
        return handled


def service_settings(redis_url: str, prefix: str, data_dir: Path, **extra: Any) -> Settings:
    return Settings(
        _env_file=None,
        redis_url=redis_url,
        redis_prefix=prefix,  # type: ignore[call-arg]
        data_dir=data_dir,
        **extra,
    )


@pytest.fixture
async def service(
    redis_url: str, prefix: str, tmp_path: Path, redis_client: Redis
) -> AsyncIterator[Service]:
    app = create_app(service_settings(redis_url, prefix, tmp_path), run_workers=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://atendente") as http:
            yield Service(http, app.state.services)
