"""A store's webhooks through the real client, against the offline Nuvemshop."""

from __future__ import annotations

import httpx
import pytest

from integrations.nuvemshop.demo import DEMO_INSTALL_STORE_ID, DemoNuvemshop
from integrations.nuvemshop.errors import NuvemshopAuthError, NuvemshopValidationError
from integrations.nuvemshop.webhooks import APP_UNINSTALLED, WebhookClient

USER_AGENT = "Atendente tests (dev@example.com)"
URL = "https://atendente.example.com/webhooks/nuvemshop"
EVENTS = ("order/paid", "order/fulfilled", "order/cancelled", APP_UNINSTALLED)


@pytest.fixture
def nuvemshop() -> DemoNuvemshop:
    demo = DemoNuvemshop(redirect_url="https://atendente.example.com/nuvemshop/callback")
    demo.stores[DEMO_INSTALL_STORE_ID].access_token = "store-token"
    return demo


def hooks(nuvemshop: DemoNuvemshop, token: str = "store-token") -> WebhookClient:
    return WebhookClient(
        store_id=DEMO_INSTALL_STORE_ID,
        access_token=token,
        user_agent=USER_AGENT,
        transport=nuvemshop.transport(),
    )


async def test_ensure_creates_what_is_missing_and_only_that(nuvemshop: DemoNuvemshop) -> None:
    async with hooks(nuvemshop) as client:
        assert await client.registered() == []
        first = await client.ensure(EVENTS, URL)
        again = await client.ensure(EVENTS, URL)
    assert first == again
    assert sorted(first) == sorted(EVENTS)
    registered = nuvemshop.webhooks()
    assert sorted((h["event"], h["url"]) for h in registered) == sorted((e, URL) for e in EVENTS)
    assert {h["id"] for h in registered} == set(first.values())
    assert {"created_at", "updated_at"} <= set(registered[0])


async def test_ensure_leaves_other_addresses_alone(nuvemshop: DemoNuvemshop) -> None:
    other = "https://elsewhere.example.com/hooks"
    async with hooks(nuvemshop) as client:
        kept = await client.create("order/paid", other)
        ids = await client.ensure(("order/paid",), URL)
        assert ids["order/paid"] != kept.id
        assert await client.remove(URL) == 1
        assert [h.url for h in await client.registered()] == [other]


async def test_delete_says_whether_there_was_one(nuvemshop: DemoNuvemshop) -> None:
    async with hooks(nuvemshop) as client:
        created = await client.create("order/paid", URL)
        assert await client.delete(created.id) is True
        assert await client.delete(created.id) is False


@pytest.mark.parametrize(
    ("event", "url", "field"),
    [
        ("order/teleported", URL, "event"),
        ("order/paid", "http://atendente.example.com/webhooks/nuvemshop", "url"),
        ("order/paid", "https://localhost/webhooks/nuvemshop", "url"),
    ],
)
async def test_the_api_refuses_bad_events_and_urls(
    nuvemshop: DemoNuvemshop, event: str, url: str, field: str
) -> None:
    async with hooks(nuvemshop) as client:
        with pytest.raises(NuvemshopValidationError) as refused:
            await client.create(event, url)
    assert f'"{field}"' in (refused.value.description or "")


async def test_a_wrong_or_revoked_token_is_refused(nuvemshop: DemoNuvemshop) -> None:
    async with hooks(nuvemshop, token="someone-else") as client:
        with pytest.raises(NuvemshopAuthError):
            await client.registered()
    async with hooks(nuvemshop) as client:
        await client.ensure(EVENTS, URL)
    payload = nuvemshop.uninstall()
    assert payload == {"store_id": int(DEMO_INSTALL_STORE_ID), "event": APP_UNINSTALLED, "id": 4321}
    assert nuvemshop.webhooks() == []
    async with hooks(nuvemshop) as client:
        with pytest.raises(NuvemshopAuthError):
            await client.registered()


async def test_orders_are_still_the_demo_stores(nuvemshop: DemoNuvemshop) -> None:
    async with httpx.AsyncClient(transport=nuvemshop.transport()) as http:
        answer = await http.get(
            f"https://api.nuvemshop.com.br/v1/{DEMO_INSTALL_STORE_ID}/orders",
            headers={"Authentication": "bearer store-token", "User-Agent": USER_AGENT},
        )
    assert answer.status_code == 200 and answer.json()
