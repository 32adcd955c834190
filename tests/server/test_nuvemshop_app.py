"""The Nuvemshop partner app end to end, offline: install, webhooks, uninstall, refusals.

The service runs on the test Redis with the app configured; the installer's HTTP goes to
the offline Nuvemshop (`DemoNuvemshop`), which answers the authorize page, the token
endpoint and the webhooks API in Nuvemshop's shapes. The merchant's browser is played by
following each redirect by hand: ours to Nuvemshop, Nuvemshop's back to the callback.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis

from cli.preflight import configuration_problems
from composition.nuvemshop_app import (
    STORE_WEBHOOK_PATH,
    AppNotConfigured,
    build_installer,
)
from composition.settings import Settings
from integrations.nuvemshop.client import NuvemshopClient
from integrations.nuvemshop.demo import (
    DEMO_APP_ID,
    DEMO_CLIENT_SECRET,
    DEMO_INSTALL_STORE_ID,
    DemoNuvemshop,
)
from integrations.nuvemshop.installed_token import InstalledToken, StoreNotInstalled
from integrations.nuvemshop.installer import AppInstaller
from server.app import create_app
from server.key_registry import families_of
from server.routes import store_webhooks
from server.routes.nuvemshop_app import get_installer
from server.services import Services
from server.signatures import hex_signature
from tests.nuvemshop_fixtures import CALLBACK, ManualClock
from tests.server.conftest import service_settings

PUBLIC = "https://atendente.example.com"
KEY = "0123456789abcdef" * 4
STORE = DEMO_INSTALL_STORE_ID
ANA = "5511987654321"
APP = {
    "nuvemshop_app_id": DEMO_APP_ID,
    "nuvemshop_app_secret": DEMO_CLIENT_SECRET,
    "public_url": PUBLIC,
    "encryption_key": KEY,
}
EXPECTED_EVENTS = {
    "order/paid",
    "order/fulfilled",
    "order/cancelled",
    "fulfillment_order/tracking_event_created",
    "app/uninstalled",
}


@dataclass
class Installing:
    """The service with the app on, the offline Nuvemshop, and a merchant's browser."""

    http: httpx.AsyncClient
    services: Services
    nuvemshop: DemoNuvemshop
    app: FastAPI

    def use(self, installer: AppInstaller) -> None:
        """Serve the routes with this installer (another Nuvemshop, another Redis)."""
        self.app.dependency_overrides[get_installer] = lambda: installer

    @property
    def prefix(self) -> str:
        return self.services.settings.redis_prefix

    @property
    def record(self) -> str:
        return f"{self.prefix}:nuvemshop:installation:{STORE}"

    async def to_nuvemshop(self) -> httpx.URL:
        """Open our install link: where it sends the merchant."""
        answer = await self.http.get("/nuvemshop/install")
        assert answer.status_code == 302, answer.text
        return httpx.URL(answer.headers["location"])

    async def approve(self, authorize: httpx.URL) -> httpx.URL:
        """The merchant approves the app at Nuvemshop: where Nuvemshop sends them back."""
        async with httpx.AsyncClient(transport=self.nuvemshop.transport()) as browser:
            answer = await browser.get(authorize)
        assert answer.status_code == 302
        back = httpx.URL(answer.headers["location"])
        assert str(back).startswith(f"{PUBLIC}/nuvemshop/callback?")
        return back

    async def come_back(self, back: httpx.URL) -> httpx.Response:
        return await self.http.get(back.raw_path.decode())

    async def install(self) -> httpx.Response:
        return await self.come_back(await self.approve(await self.to_nuvemshop()))

    async def signed(self, payload: dict[str, Any]) -> httpx.Response:
        body = json.dumps(payload).encode()
        headers = {
            "content-type": "application/json",
            "x-linkedstore-hmac-sha256": hex_signature(DEMO_CLIENT_SECRET, body),
        }
        return await self.http.post(STORE_WEBHOOK_PATH, content=body, headers=headers)

    async def drain(self) -> None:
        queue = self.services.store_events
        while await queue.process("test", self.services.handler, block_ms=10):
            pass


async def running(
    redis_url: str, prefix: str, tmp_path: Path, nuvemshop: DemoNuvemshop, **settings: Any
) -> AsyncIterator[Installing]:
    chosen = service_settings(redis_url, prefix, tmp_path, **{**APP, **settings})
    app = create_app(chosen, run_workers=False)
    async with app.router.lifespan_context(app):
        services: Services = app.state.services
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as http:
            service = Installing(http, services, nuvemshop, app)
            service.use(build_installer(chosen, services.redis, transport=nuvemshop.transport()))
            yield service


@pytest.fixture
async def installing(
    redis_url: str, prefix: str, tmp_path: Path, redis_client: Redis, nuvemshop: DemoNuvemshop
) -> AsyncIterator[Installing]:
    async for service in running(redis_url, prefix, tmp_path, nuvemshop):
        yield service


async def test_install_registers_once_and_uninstall_forgets_the_store(
    installing: Installing, redis_client: Redis
) -> None:
    authorize = await installing.to_nuvemshop()
    assert str(authorize).startswith(f"https://www.nuvemshop.com.br/apps/{DEMO_APP_ID}/authorize?")
    assert len(authorize.params["state"]) >= 40

    page = await installing.come_back(await installing.approve(authorize))
    assert page.status_code == 200, page.text
    assert "Atendente instalada" in page.text and STORE in page.text
    assert page.headers["cache-control"] == "no-store"

    token = installing.nuvemshop.stores[STORE].access_token
    everything = await _whole_database(redis_client, installing.prefix)
    assert installing.record in everything
    assert not [key for key, value in everything.items() if token in key or token in value]
    installer = build_installer(installing.services.settings, installing.services.redis)
    assert await installer.installations.token_for(STORE) == token

    hooks = installing.nuvemshop.webhooks()
    assert {hook["event"] for hook in hooks} == EXPECTED_EVENTS
    assert {hook["url"] for hook in hooks} == {PUBLIC + STORE_WEBHOOK_PATH}
    installation = await installer.installations.get(STORE)
    assert installation is not None
    assert installation.webhooks == {hook["event"]: hook["id"] for hook in hooks}

    again = await installing.install()
    assert again.status_code == 200, again.text
    assert len(installing.nuvemshop.webhooks()) == len(EXPECTED_EVENTS), "registered once"
    renewed = installing.nuvemshop.stores[STORE].access_token
    assert renewed != token and await installer.installations.token_for(STORE) == renewed

    await installing.services.window.customer_wrote(ANA)
    await installing.services.outbox.push(
        ANA, [{"type": "text", "text": "Oi, Ana!"}], key="k1", source="test"
    )
    assert await _personal_keys(redis_client, installing.prefix)

    uninstalled = installing.nuvemshop.uninstall()
    answer = await installing.signed(uninstalled)
    assert answer.status_code == 200 and answer.json() == {"status": "queued"}
    assert await installer.installations.token_for(STORE) is None
    assert not await redis_client.exists(installing.record)
    await installing.drain()
    assert await _personal_keys(redis_client, installing.prefix) == []
    assert await installing.services.outbox.entries(ANA) == []
    everything = await _whole_database(redis_client, installing.prefix)
    assert not [key for key, value in everything.items() if renewed in value]


async def test_a_store_client_reads_with_the_installed_token(installing: Installing) -> None:
    assert (await installing.install()).status_code == 200
    settings, redis = installing.services.settings, installing.services.redis
    installations = build_installer(settings, redis).installations

    def client(store_id: str) -> NuvemshopClient:
        return NuvemshopClient(
            store_id=store_id,
            access_token=InstalledToken(installations, store_id),
            user_agent=settings.nuvemshop_user_agent,
            transport=installing.nuvemshop.transport(),
        )

    async with client(STORE) as installed:
        order = await installed.find_order_by_number(1001)
    assert order is not None and order.number == 1001
    async with client("999") as stranger:
        with pytest.raises(StoreNotInstalled):
            await stranger.find_order_by_number(1001)


@pytest.mark.parametrize("state", [None, "", "forged-state", "x" * 5000])
async def test_a_callback_without_our_state_is_refused(
    installing: Installing, state: str | None
) -> None:
    code = installing.nuvemshop.issue_code()
    query = {"code": code} if state is None else {"code": code, "state": state}
    answer = await installing.http.get("/nuvemshop/callback", params=query)
    assert answer.status_code == 403
    assert "Link de instalação inválido ou expirado" in answer.text
    assert 'href="/nuvemshop/install"' in answer.text
    assert installing.nuvemshop.webhooks() == []
    assert await installing.services.redis.exists(installing.record) == 0


async def test_a_replayed_callback_is_refused_and_changes_nothing(installing: Installing) -> None:
    back = await installing.approve(await installing.to_nuvemshop())
    assert (await installing.come_back(back)).status_code == 200
    replay = await installing.come_back(back)
    assert replay.status_code == 403 and "vale uma única vez" in replay.text
    assert len(installing.nuvemshop.webhooks()) == len(EXPECTED_EVENTS)


async def test_an_expired_or_missing_code_asks_to_start_again(
    installing: Installing, clock: ManualClock
) -> None:
    back = await installing.approve(await installing.to_nuvemshop())
    clock.now += 301  # the merchant took more than 5 minutes to come back
    answer = await installing.come_back(back)
    assert answer.status_code == 400 and "Autorização expirada" in answer.text
    assert await installing.services.redis.exists(installing.record) == 0
    missing = await installing.http.get(
        "/nuvemshop/callback", params={"state": (await installing.to_nuvemshop()).params["state"]}
    )
    assert missing.status_code == 400


async def test_the_merchant_declining_is_a_polite_page(installing: Installing) -> None:
    answer = await installing.http.get(
        "/nuvemshop/callback", params={"error": "access_denied", "state": "s"}
    )
    assert answer.status_code == 400 and "Instalação cancelada" in answer.text


async def test_a_wrong_app_secret_is_the_operators_problem_not_the_merchants(
    redis_url: str, prefix: str, tmp_path: Path, redis_client: Redis
) -> None:
    nuvemshop = DemoNuvemshop(redirect_url=CALLBACK, client_secret="the-portal-s-secret")
    async for service in running(redis_url, prefix, tmp_path, nuvemshop):
        answer = await service.install()
        assert answer.status_code == 502
        assert "não reconheceu o aplicativo" in answer.text
        assert "Traceback" not in answer.text
        assert await service.services.redis.exists(service.record) == 0


async def test_nuvemshop_down_or_refusing_webhooks_is_a_page_to_retry(
    installing: Installing, monkeypatch: pytest.MonkeyPatch
) -> None:
    down = DemoNuvemshop(redirect_url=CALLBACK)

    def unreachable(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            raise httpx.ConnectError("no route", request=request)
        return down.handle(request)

    installer = build_installer(
        installing.services.settings,
        installing.services.redis,
        transport=httpx.MockTransport(unreachable),
    )
    installing.use(installer)
    answer = await installing.come_back(await down_approve(installing, down))
    assert answer.status_code == 502 and "não respondeu" in answer.text

    refusing = build_installer(
        installing.services.settings.model_copy(update={"public_url": "https://localhost"}),
        installing.services.redis,
        transport=installing.nuvemshop.transport(),
    )
    installing.use(refusing)
    answer = await installing.install()
    assert answer.status_code == 502 and "Instalação quase concluída" in answer.text
    assert await refusing.installations.token_for(STORE) is not None, "the token is kept"


async def down_approve(installing: Installing, nuvemshop: DemoNuvemshop) -> httpx.URL:
    authorize = await installing.to_nuvemshop()
    async with httpx.AsyncClient(transport=nuvemshop.transport()) as browser:
        answer = await browser.get(authorize)
    return httpx.URL(answer.headers["location"])


async def test_redis_down_is_a_page_not_a_500(installing: Installing) -> None:
    broken = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    installing.use(build_installer(installing.services.settings, broken))
    answer = await installing.http.get("/nuvemshop/install")
    assert answer.status_code == 503 and "Instabilidade" in answer.text
    answer = await installing.http.get("/nuvemshop/callback", params={"code": "c", "state": "s"})
    assert answer.status_code == 503
    await broken.aclose()


@pytest.mark.parametrize(
    "payload",
    [
        {"store_id": int(STORE), "event": "app/uninstalled", "id": int(DEMO_APP_ID)},
        {"store_id": STORE, "event": "app/uninstalled"},
    ],
)
async def test_both_uninstall_shapes_are_read(
    installing: Installing, payload: dict[str, Any]
) -> None:
    assert (await installing.install()).status_code == 200
    answer = await installing.signed(payload)
    assert answer.status_code == 200
    assert await installing.services.redis.exists(installing.record) == 0


async def test_an_unsigned_uninstall_changes_nothing(installing: Installing) -> None:
    assert (await installing.install()).status_code == 200
    body = json.dumps({"store_id": int(STORE), "event": "app/uninstalled"}).encode()
    answer = await installing.http.post(
        STORE_WEBHOOK_PATH, content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 401
    assert await installing.services.redis.exists(installing.record) == 1
    bad = await installing.signed({"store_id": "../x", "event": "app/uninstalled"})
    assert bad.status_code == 400


async def test_without_the_app_the_routes_are_absent_and_uninstall_still_redacts(
    redis_url: str, prefix: str, tmp_path: Path, redis_client: Redis
) -> None:
    app = create_app(service_settings(redis_url, prefix, tmp_path), run_workers=False)
    async with app.router.lifespan_context(app):
        services: Services = app.state.services
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as http:
            assert (await http.get("/nuvemshop/install")).status_code == 404
            await services.window.customer_wrote(ANA)
            service = Installing(http, services, DemoNuvemshop(redirect_url=PUBLIC), app)
            body = {"store_id": 1, "event": "app/uninstalled", "id": 4321}
            headers_secret = services.settings.webhook_secret
            assert headers_secret is not None
            raw = json.dumps(body).encode()
            answer = await http.post(
                STORE_WEBHOOK_PATH,
                content=raw,
                headers={
                    "content-type": "application/json",
                    "x-linkedstore-hmac-sha256": hex_signature(headers_secret, raw),
                },
            )
            assert answer.status_code == 200
            await service.drain()
            assert await _personal_keys(redis_client, prefix) == []


def settings_with(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)


@pytest.mark.parametrize(
    ("values", "variable"),
    [
        ({**APP, "encryption_key": None}, "ATENDENTE_ENCRYPTION_KEY"),
        ({**APP, "public_url": None}, "ATENDENTE_PUBLIC_URL"),
        ({**APP, "nuvemshop_app_secret": None}, "NUVEMSHOP_APP_SECRET"),
    ],
)
def test_a_half_configured_app_refuses_to_start_naming_the_variable(
    values: dict[str, Any], variable: str
) -> None:
    settings = settings_with(**values)
    [line] = configuration_problems(settings)
    assert variable in line and "\n" not in line
    with pytest.raises(AppNotConfigured, match=variable):
        create_app(settings, run_workers=False)


def test_in_production_the_public_url_is_https() -> None:
    settings = settings_with(**{**APP, "public_url": "http://atendente.example.com"})
    assert configuration_problems(settings) == []
    production = settings.model_copy(update={"environment": "production"})
    assert any("must be https" in line for line in configuration_problems(production))


def test_the_public_url_is_an_address() -> None:
    with pytest.raises(ValueError):
        settings_with(public_url="atendente.example.com")
    assert settings_with(public_url=f"{PUBLIC}/").public_url == PUBLIC


def test_webhooks_go_to_the_signed_store_route() -> None:
    assert store_webhooks.router.prefix == STORE_WEBHOOK_PATH


async def _whole_database(redis: Redis, prefix: str) -> dict[str, str]:
    found: dict[str, str] = {}
    async for raw in redis.scan_iter(match=f"{prefix}*"):
        key = raw.decode()
        kind = (await redis.type(key)).decode()
        if kind == "hash":
            value = " ".join(f"{k!r}={v!r}" for k, v in (await redis.hgetall(key)).items())
        elif kind == "string":
            value = repr(await redis.get(key))
        elif kind == "stream":
            value = repr(await redis.xrange(key))
        elif kind == "list":
            value = repr(await redis.lrange(key, 0, -1))
        else:
            value = kind
        found[key] = value
    return found


async def _personal_keys(redis: Redis, prefix: str) -> list[str]:
    keys = [raw.decode() async for raw in redis.scan_iter(match=f"{prefix}*")]
    return [
        key
        for key in keys
        if (families := families_of(key, prefix))
        and families[0].personal
        and families[0].lifetime != "until handled"
    ]
