"""Two demo stores in one deployment, side by side, and nothing of one reaching the other.

The stores overlap as real stores do: the same order numbers (each owned by someone else
in the second store) and the same customer writing to both numbers. The app runs with its
workers on the test Redis; the checks read what reached each store's offline Graph API and
every key in Redis.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from composition.settings import DEMO_WEBHOOK_SECRET, Settings
from composition.stores import StoresFileError, load_stores
from integrations.redis.client import RedisClient
from integrations.whatsapp.fake_graph import recorded_messages
from server.app import create_app
from server.signatures import hex_signature
from server.stores import Stores
from tests.server import whatsapp

ANA = "5511987654321"
NUMBERS = {"loja-a": "100000000000011", "loja-b": "100000000000022"}
TOKENS = {"loja-a": "token-da-loja-a", "loja-b": "token-da-loja-b"}
STORES_FILE = """
[stores.loja-a]
NUVEMSHOP_STORE_ID = "1"
WHATSAPP_PHONE_NUMBER_ID = "100000000000011"
ATENDENTE_STORE_NAME = "Loja Aurora"

[stores.loja-b]
NUVEMSHOP_STORE_ID = "2"
WHATSAPP_PHONE_NUMBER_ID = "100000000000022"
ATENDENTE_STORE_NAME = "Casa Boreal"
"""


@dataclass
class Deployment:
    http: httpx.AsyncClient
    stores: Stores
    redis: RedisClient
    prefix: str

    async def say(self, store: str, text: str, wa_id: str = ANA) -> httpx.Response:
        body, headers = whatsapp.signed(whatsapp.message(wa_id, text, number=NUMBERS[store]))
        return await self.http.post("/webhooks/whatsapp", content=body, headers=headers)

    async def replies(self, store: str, wa_id: str = ANA) -> list[str]:
        prefix = self.stores.by_slug[store].settings.redis_prefix
        recorded = await recorded_messages(self.redis, f"{prefix}:dev", wa_id)
        return [json.dumps(entry["payload"], ensure_ascii=False) for entry in recorded]

    async def wait_replies(self, store: str, count: int) -> list[str]:
        for _ in range(400):
            found = await self.replies(store)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.05)
        raise AssertionError(f"{store} sent {len(await self.replies(store))} of {count} replies")

    async def store_webhook(self, store: str, payload: dict[str, Any], path: str = "") -> int:
        """Post a signed Nuvemshop webhook to a store's own URL (`store` empty: the root)."""
        body = json.dumps(payload).encode()
        headers = {
            "content-type": "application/json",
            "x-linkedstore-hmac-sha256": hex_signature(DEMO_WEBHOOK_SECRET, body),
        }
        base = f"/stores/{store}" if store else ""
        url = f"{base}/webhooks/nuvemshop{path}"
        return (await self.http.post(url, content=body, headers=headers)).status_code

    async def keys(self) -> list[str]:
        return sorted(
            [key.decode() async for key in self.redis.scan_iter(match=f"{self.prefix}:*")]
        )


def stores_settings(
    stores_text: str, redis_url: str, prefix: str, data_dir: Path, **extra: Any
) -> Settings:
    """A many-store deployment on the test Redis, its stores file written under `data_dir`."""
    stores_file = data_dir / "stores.toml"
    stores_file.write_text(stores_text, encoding="utf-8")
    return Settings(
        _env_file=None,
        redis_url=redis_url,
        redis_prefix=prefix,  # type: ignore[call-arg]
        data_dir=data_dir,
        stores_file=stores_file,
        **extra,
    )


@pytest.fixture
async def deployment(
    redis_url: str,
    prefix: str,
    tmp_path: Path,
    redis_client: RedisClient,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Deployment]:
    for slug, token in TOKENS.items():
        variable = f"ATENDENTE_STORE_{slug.upper().replace('-', '_')}__ATENDENTE_ADMIN_TOKEN"
        monkeypatch.setenv(variable, token)
    settings = stores_settings(STORES_FILE, redis_url, prefix, tmp_path, debounce_seconds=0)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://atendente") as http:
            yield Deployment(http, app.state.stores, redis_client, prefix)


async def test_each_number_reaches_its_own_store_with_its_own_orders(
    deployment: Deployment,
) -> None:
    assert (await deployment.say("loja-a", "oi, cadê meu pedido 1001?")).status_code == 200
    assert (await deployment.say("loja-b", "oi, cadê meu pedido 1001?")).status_code == 200

    first = " ".join(await deployment.wait_replies("loja-a", 1))
    second = " ".join(await deployment.wait_replies("loja-b", 1))

    assert "AA123456785BR" in first, "in store A, order 1001 is Ana's: she gets its tracking"
    assert "AA123456785BR" not in second, "in store B, 1001 is Bruno's: nothing of it shown"
    assert "confirmar que o pedido *1001* é seu" in second
    keys = await deployment.keys()
    shared = f"{deployment.prefix}:log-key"
    strays = [
        key
        for key in keys
        if key != shared
        and not key.startswith((f"{deployment.prefix}:loja-a:", f"{deployment.prefix}:loja-b:"))
    ]
    assert strays == []
    for store in ("loja-a", "loja-b"):  # each store's own conversation, cache and bucket
        for family in (":cp:", ":nuvemshop:cache:", ":nuvemshop:ratelimit"):
            mine = f"{deployment.prefix}:{store}{family}"
            assert any(key.startswith(mine) for key in keys), (store, family)


async def test_a_ticket_and_admin_access_belong_to_one_store(deployment: Deployment) -> None:
    await deployment.say("loja-a", "quero falar com um atendente")
    await deployment.wait_replies("loja-a", 1)

    def admin(store: str, token: str) -> Any:
        return deployment.http.get(
            f"/stores/{store}/admin/tickets", headers={"authorization": f"Bearer {token}"}
        )

    tickets_a = (await admin("loja-a", TOKENS["loja-a"])).json()
    tickets_b = (await admin("loja-b", TOKENS["loja-b"])).json()
    assert len(tickets_a["tickets"]) == 1
    assert tickets_b["tickets"] == []
    assert (await admin("loja-b", TOKENS["loja-a"])).status_code == 401
    assert (await deployment.http.get("/admin/tickets")).status_code == 404


async def test_store_webhooks_only_reach_the_store_they_name(deployment: Deployment) -> None:
    order = {"store_id": 2, "event": "order/paid", "id": 1891000101}
    assert await deployment.store_webhook("loja-a", order) == 403
    assert await deployment.store_webhook("loja-b", order) == 200


async def test_the_apps_one_webhook_url_hands_each_event_to_the_store_it_names(
    deployment: Deployment,
) -> None:
    order = {"store_id": 2, "event": "order/paid", "id": 1891000101}
    assert await deployment.store_webhook("", order) == 200
    queued = deployment.stores.by_slug["loja-b"].store_events.stream
    assert await deployment.redis.exists(queued)
    stranger = {"store_id": 3, "event": "order/paid", "id": 1}
    assert await deployment.store_webhook("", stranger) == 403
    assert await deployment.store_webhook("", {"event": "order/paid"}) == 400
    forged = json.dumps(order).encode()
    headers = {"content-type": "application/json", "x-linkedstore-hmac-sha256": "0" * 64}
    reply = await deployment.http.post("/webhooks/nuvemshop", content=forged, headers=headers)
    assert reply.status_code == 401


@pytest.mark.parametrize("where", ["loja-a", ""], ids=["store URL", "app URL"])
async def test_a_store_redact_erases_one_store_and_leaves_the_other(
    deployment: Deployment, where: str
) -> None:
    await deployment.say("loja-a", "oi, cadê meu pedido 1001?")
    await deployment.say("loja-b", "oi, cadê meu pedido 1001?")
    await deployment.wait_replies("loja-a", 1)
    await deployment.wait_replies("loja-b", 1)
    before_b = [key for key in await deployment.keys() if ":loja-b:" in key]

    assert await deployment.store_webhook(where, {"store_id": 1}, "/store-redact") == 200
    for _ in range(200):
        left_a = [
            k for k in await deployment.keys() if k.startswith(f"{deployment.prefix}:loja-a:cp:")
        ]
        if not left_a:
            break
        await asyncio.sleep(0.05)

    assert left_a == []
    after_b = [key for key in await deployment.keys() if ":loja-b:" in key]
    assert [key for key in before_b if ":cp:" in key] == [k for k in after_b if ":cp:" in k]
    assert await deployment.replies("loja-b"), "store B's conversation is untouched"


async def test_a_number_no_store_answers_on_is_dropped_not_given_to_another(
    deployment: Deployment,
) -> None:
    body, headers = whatsapp.signed(whatsapp.message(ANA, "oi", number="999999999999999"))
    reply = await deployment.http.post("/webhooks/whatsapp", content=body, headers=headers)
    assert reply.status_code == 200
    assert reply.json() == {"stored": 0, "duplicates": 0}
    await asyncio.sleep(0.3)
    assert await deployment.replies("loja-a") == []
    assert await deployment.replies("loja-b") == []


def test_a_secret_in_the_stores_file_is_refused_naming_the_variable(tmp_path: Path) -> None:
    stores_file = tmp_path / "stores.toml"
    stores_file.write_text(
        '[stores.loja-a]\nNUVEMSHOP_STORE_ID = "1"\nWHATSAPP_ACCESS_TOKEN = "EAAG"\n',
        encoding="utf-8",
    )
    with pytest.raises(StoresFileError, match="ATENDENTE_STORE_LOJA_A__WHATSAPP_ACCESS_TOKEN"):
        load_stores(Settings(_env_file=None, stores_file=stores_file))


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("[stores.a]\nREDIS_URL = 'redis://x'\n", "shared by the deployment"),
        ("[stores.a]\nNO_SUCH_SETTING = 1\n", "is not a setting"),
        ("[stores.A_B]\n", "lower-case letters"),
        ("stores = 1\n", "no [stores.<slug>] table"),
        ("[stores.a]\nNUVEMSHOP_STORE_ID = '1'\n", "needs WHATSAPP_PHONE_NUMBER_ID"),
        (
            "[stores.a]\nNUVEMSHOP_STORE_ID='1'\nWHATSAPP_PHONE_NUMBER_ID='9'\n"
            "[stores.b]\nNUVEMSHOP_STORE_ID='2'\nWHATSAPP_PHONE_NUMBER_ID='9'\n",
            "stores a and b share WHATSAPP_PHONE_NUMBER_ID=9",
        ),
        ("[stores.a\n", "not valid TOML"),
    ],
)
def test_a_broken_stores_file_is_one_line_naming_the_fault(
    tmp_path: Path, text: str, fault: str
) -> None:
    stores_file = tmp_path / "stores.toml"
    stores_file.write_text(text, encoding="utf-8")
    with pytest.raises(
        StoresFileError, match=fault.replace("[", r"\[").replace(".", r"\.")
    ) as raised:
        load_stores(Settings(_env_file=None, stores_file=stores_file))
    assert "\n" not in str(raised.value)


async def test_each_store_has_its_own_inbox_agents_and_sessions(deployment: Deployment) -> None:
    await deployment.say("loja-a", "quero falar com um atendente")
    await deployment.wait_replies("loja-a", 1)
    agent = {"name": "Rita", "department": "atendimento", "password": "senha-da-rita-123"}
    created = await deployment.http.put(
        "/stores/loja-a/admin/agents/rita",
        json={**agent, "all_departments": True},
        headers={"authorization": f"Bearer {TOKENS['loja-a']}"},
    )
    assert created.status_code == 200, created.text
    credentials = {"login": "rita", "password": agent["password"]}

    page = await deployment.http.get("/stores/loja-a/inbox")
    assert page.status_code == 200 and 'src="inbox/static/inbox.js"' in page.text
    other = await deployment.http.post("/stores/loja-b/inbox/api/session", json=credentials)
    assert other.status_code == 401, "store B has no such agent"
    signed = await deployment.http.post("/stores/loja-a/inbox/api/session", json=credentials)
    assert signed.status_code == 200
    assert "Path=/stores/loja-a/inbox" in signed.headers["set-cookie"]

    mine = await deployment.http.get("/stores/loja-a/inbox/api/tickets")
    assert mine.status_code == 200 and len(mine.json()["tickets"]) == 1
    theirs = await deployment.http.get("/stores/loja-b/inbox/api/tickets")
    assert theirs.status_code == 401, "store A's session is not a session of store B"
