"""The partner app installed by one of the stores of a many-store deployment.

The app has one redirect URL, so the install runs at the root; the store that approves is
looked up among the stores, its token kept in that store's own key space (and read by its
conversations), and a store the deployment does not serve is refused with nothing kept.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from composition.nuvemshop_app import build_installer
from composition.stores import load_stores
from integrations.nuvemshop.demo import (
    DEMO_APP_ID,
    DEMO_CLIENT_SECRET,
    DEMO_INSTALL_STORE_ID,
    DemoNuvemshop,
)
from integrations.redis.client import RedisClient
from server.app import create_app
from server.routes.nuvemshop_app import get_installer
from server.signatures import hex_signature
from server.stores import Stores
from tests.server.test_multistore import stores_settings

PUBLIC = "https://atendente.example.com"
KEY = "0123456789abcdef" * 4
SERVED = f"""
[stores.loja-a]
NUVEMSHOP_STORE_ID = "{DEMO_INSTALL_STORE_ID}"
WHATSAPP_PHONE_NUMBER_ID = "100000000000011"

[stores.loja-b]
NUVEMSHOP_STORE_ID = "2"
WHATSAPP_PHONE_NUMBER_ID = "100000000000022"
"""
NOT_SERVED = SERVED.replace(f'"{DEMO_INSTALL_STORE_ID}"', '"1"')


@dataclass
class Deployment:
    http: httpx.AsyncClient
    stores: Stores
    nuvemshop: DemoNuvemshop

    async def install(self) -> httpx.Response:
        """The merchant opens the install link, approves at Nuvemshop and comes back."""
        start = await self.http.get("/nuvemshop/install")
        assert start.status_code == 302, start.text
        async with httpx.AsyncClient(transport=self.nuvemshop.transport()) as browser:
            approved = await browser.get(start.headers["location"])
        assert approved.status_code == 302
        back = httpx.URL(approved.headers["location"])
        return await self.http.get(back.raw_path.decode())


async def deployment(
    stores_text: str, redis_url: str, prefix: str, tmp_path: Path, nuvemshop: DemoNuvemshop
) -> AsyncIterator[Deployment]:
    settings = stores_settings(
        stores_text,
        redis_url,
        prefix,
        tmp_path,
        nuvemshop_app_id=DEMO_APP_ID,
        nuvemshop_app_secret=SecretStr(DEMO_CLIENT_SECRET),
        public_url=PUBLIC,
        encryption_key=SecretStr(KEY),
    )
    app: FastAPI = create_app(settings, run_workers=False)
    async with app.router.lifespan_context(app):
        stores: Stores = app.state.stores
        served = {c.settings.nuvemshop_store_id or "": c.settings for c in load_stores(settings)}
        installer = build_installer(
            settings, stores.all[0].redis, transport=nuvemshop.transport(), stores=served
        )
        app.dependency_overrides[get_installer] = lambda: installer
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as http:
            yield Deployment(http, stores, nuvemshop)


@pytest.fixture
async def served(
    redis_url: str,
    prefix: str,
    tmp_path: Path,
    redis_client: RedisClient,
    nuvemshop: DemoNuvemshop,
) -> AsyncIterator[Deployment]:
    async for opened in deployment(SERVED, redis_url, prefix, tmp_path, nuvemshop):
        yield opened


@pytest.fixture
async def not_served(
    redis_url: str,
    prefix: str,
    tmp_path: Path,
    redis_client: RedisClient,
    nuvemshop: DemoNuvemshop,
) -> AsyncIterator[Deployment]:
    async for opened in deployment(NOT_SERVED, redis_url, prefix, tmp_path, nuvemshop):
        yield opened


async def test_the_approving_store_keeps_its_token_in_its_own_key_space(
    served: Deployment, redis_client: RedisClient, prefix: str
) -> None:
    answer = await served.install()

    assert answer.status_code == 200, answer.text
    assert "Atendente instalada" in answer.text
    record = f"{prefix}:loja-a:nuvemshop:installation:{DEMO_INSTALL_STORE_ID}"
    assert await redis_client.exists(record)
    keys = [key.decode() async for key in redis_client.scan_iter(match=f"{prefix}:*")]
    assert [key for key in keys if ":installation:" in key] == [record]
    store_a = served.stores.by_slug["loja-a"].settings
    assert store_a.uses_installed_token and not store_a.uses_demo_store
    hooks = served.nuvemshop.webhooks(DEMO_INSTALL_STORE_ID)
    assert {hook["url"] for hook in hooks} == {f"{PUBLIC}/webhooks/nuvemshop"}

    gone = json.dumps(served.nuvemshop.uninstall(DEMO_INSTALL_STORE_ID)).encode()
    headers = {
        "content-type": "application/json",
        "x-linkedstore-hmac-sha256": hex_signature(DEMO_CLIENT_SECRET, gone),
    }
    reply = await served.http.post("/webhooks/nuvemshop", content=gone, headers=headers)
    assert reply.status_code == 200, reply.text
    assert not await redis_client.exists(record), "the app's one URL reached the store's token"


async def test_a_store_the_deployment_does_not_serve_is_refused_and_nothing_kept(
    not_served: Deployment, redis_client: RedisClient, prefix: str
) -> None:
    answer = await not_served.install()

    assert answer.status_code == 403
    assert "Loja não cadastrada" in answer.text and DEMO_INSTALL_STORE_ID in answer.text
    keys = [key.decode() async for key in redis_client.scan_iter(match=f"{prefix}:*")]
    assert not [key for key in keys if ":installation:" in key]
