"""A store whose token the partner app's install keeps: read from Redis, renewed, revoked."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from composition.settings import Settings
from composition.wiring import build_nuvemshop
from integrations.nuvemshop.cache import CachedNuvemshopClient
from integrations.nuvemshop.client import NuvemshopClient
from integrations.nuvemshop.demo.store import DemoStore
from integrations.nuvemshop.installations import InstallationStore
from integrations.nuvemshop.installed_token import InstalledToken, StoreNotInstalled
from integrations.nuvemshop.oauth import Grant
from integrations.redis.client import RedisClient
from integrations.redis.protection import Protection

KEY = "0123456789abcdef" * 4
STORE = "789"


@pytest.fixture
def installations(redis_client: RedisClient, prefix: str) -> InstallationStore:
    return InstallationStore(redis_client, f"{prefix}:nuvemshop", Protection(KEY))


async def test_the_client_reads_the_store_with_whatever_token_the_install_keeps(
    installations: InstallationStore,
) -> None:
    store = DemoStore(store_id=STORE, access_token="first-token")
    client = NuvemshopClient(
        store_id=STORE,
        access_token=InstalledToken(installations, STORE),
        user_agent="Atendente tests",
        transport=httpx.MockTransport(store.handle),
    )
    async with client:
        with pytest.raises(StoreNotInstalled):
            await client.find_order_payload(1001)

        await installations.save(Grant(STORE, "first-token"))
        order = await client.find_order_payload(1001)
        assert order is not None and order["number"] == 1001

        store.access_token = "second-token"  # the merchant installed the app again
        await installations.save(Grant(STORE, "second-token"))
        assert await client.find_order_payload(1002) is not None

        store.access_token = "revoked"  # and then removed it
        await installations.forget(STORE)
        with pytest.raises(StoreNotInstalled):
            await client.find_order_payload(1003)


def test_with_the_partner_app_a_store_id_alone_names_a_real_store(
    redis_client: RedisClient, prefix: str
) -> None:
    settings = Settings(
        _env_file=None,
        redis_prefix=prefix,  # type: ignore[call-arg]
        nuvemshop_store_id=STORE,
        nuvemshop_app_id="1234",
        nuvemshop_app_secret=SecretStr("app-secret"),
        encryption_key=SecretStr(KEY),
    )
    assert settings.uses_installed_token and not settings.uses_demo_store
    client = build_nuvemshop(settings, redis_client)
    assert isinstance(client, CachedNuvemshopClient)
    assert client.store_id == STORE
    with_token = settings.model_copy(update={"nuvemshop_access_token": SecretStr("t")})
    assert not with_token.uses_installed_token
