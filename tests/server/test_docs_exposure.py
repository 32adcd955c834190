"""The API's schema and docs are a development aid, never public in production."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from server.app import create_app
from tests.server.conftest import service_settings


@pytest.mark.parametrize(("environment", "expected"), [("production", 404), ("development", 200)])
async def test_docs_and_schema_only_outside_production(
    redis_url: str, prefix: str, tmp_path: Path, environment: str, expected: int
) -> None:
    settings = service_settings(redis_url, prefix, tmp_path, environment=environment)
    app = create_app(settings, run_workers=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            for path in ("/openapi.json", "/docs", "/redoc"):
                assert (await http.get(path)).status_code == expected, path
