"""Installed stores' tokens, sealed in Redis, and the single-use install states."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from integrations.nuvemshop.install_states import InstallStates
from integrations.nuvemshop.installations import EncryptionKeyMissing, InstallationStore
from integrations.nuvemshop.oauth import Grant
from integrations.redis.protection import PLAIN, Protection, UnsealError

KEY = "0123456789abcdef" * 4
TOKEN = "61181d08b7e328d256736hdcb671c3ce50b8af5"
GRANT = Grant(store_id="789", access_token=TOKEN, scopes=("read_orders", "write_products"))


@pytest.fixture
def installations(redis_client: Redis, prefix: str) -> InstallationStore:
    return InstallationStore(redis_client, f"{prefix}:nuvemshop", Protection(KEY))


def test_without_an_encryption_key_there_is_no_store(redis_client: Redis, prefix: str) -> None:
    with pytest.raises(EncryptionKeyMissing, match="^ATENDENTE_ENCRYPTION_KEY is not set"):
        InstallationStore(redis_client, prefix, PLAIN)


async def test_the_token_is_stored_sealed_and_read_back(
    installations: InstallationStore, redis_client: Redis, prefix: str
) -> None:
    when = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    await installations.save(GRANT, now=when)
    raw = await redis_client.hgetall(f"{prefix}:nuvemshop:installation:789")
    assert raw[b"token"].startswith(b"enc1:")
    assert not [value for value in raw.values() if TOKEN.encode() in value]
    installation = await installations.get("789")
    assert installation is not None
    assert (installation.access_token, installation.scopes) == (TOKEN, GRANT.scopes)
    assert installation.installed_at == when and installation.webhooks == {}
    assert TOKEN not in repr(installation)
    assert await installations.token_for("789") == TOKEN
    assert await installations.token_for("790") is None


async def test_webhooks_are_recorded_and_everything_is_forgotten(
    installations: InstallationStore, redis_client: Redis, prefix: str
) -> None:
    await installations.save(GRANT)
    await installations.record_webhooks("789", {"order/paid": 11, "app/uninstalled": 12})
    installation = await installations.get("789")
    assert installation is not None
    assert installation.webhooks == {"order/paid": 11, "app/uninstalled": 12}
    assert await installations.forget("789") is True
    assert await installations.get("789") is None
    assert await installations.forget("789") is False
    await installations.record_webhooks("789", {"order/paid": 11})
    assert await redis_client.exists(f"{prefix}:nuvemshop:installation:789") == 0


async def test_a_new_install_replaces_the_old_record(installations: InstallationStore) -> None:
    await installations.save(GRANT)
    await installations.record_webhooks("789", {"order/paid": 11})
    await installations.save(Grant(store_id="789", access_token="new-token"))
    installation = await installations.get("789")
    assert installation is not None
    assert (installation.access_token, installation.scopes, installation.webhooks) == (
        "new-token",
        (),
        {},
    )


async def test_another_key_cannot_open_the_token(
    installations: InstallationStore, redis_client: Redis, prefix: str
) -> None:
    await installations.save(GRANT)
    other = InstallationStore(redis_client, f"{prefix}:nuvemshop", Protection("ab" * 16))
    with pytest.raises(UnsealError):
        await other.token_for("789")


@pytest.mark.parametrize("store_id", ["", "12a", "../789", "1" * 20, "٣"])
async def test_only_digits_name_a_store(installations: InstallationStore, store_id: str) -> None:
    with pytest.raises(ValueError):
        await installations.get(store_id)


async def test_a_state_works_once_and_for_ten_minutes(redis_client: Redis, prefix: str) -> None:
    states = InstallStates(redis_client, f"{prefix}:nuvemshop")
    state = await states.issue()
    [key] = [k async for k in redis_client.scan_iter(match=f"{prefix}:nuvemshop:install-state:*")]
    assert state.encode() not in key
    assert 590 <= await redis_client.ttl(key) <= 600
    assert await states.consume(state) is True
    assert await states.consume(state) is False
    assert await states.consume("forged") is False
    assert await states.consume(None) is False
    assert await states.consume("x" * 10_000) is False


async def test_an_expired_state_is_refused(redis_client: Redis, prefix: str) -> None:
    states = InstallStates(redis_client, f"{prefix}:nuvemshop")
    state = await states.issue()
    [key] = [k async for k in redis_client.scan_iter(match=f"{prefix}:nuvemshop:install-state:*")]
    await redis_client.pexpire(key, 1)
    await asyncio.sleep(0.05)
    assert await states.consume(state) is False
