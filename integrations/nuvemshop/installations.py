"""The stores that installed the app: one Redis hash per store, its token sealed.

An access token reads a store's orders and customers until the merchant uninstalls the
app, so it is kept only encrypted (`Protection.seal`, the `ATENDENTE_ENCRYPTION_KEY`):
without a key the store refuses to exist rather than write tokens in clear. Beside the
token the record keeps the approved scopes, when the store installed the app and the ids
of the webhooks registered for it; `forget` deletes all of it on `app/uninstalled`.

Key: `{prefix}:installation:{store_id}` (a hash: `token`, `scopes`, `installed_at`,
`webhooks`), registered in `server.key_registry`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from integrations.nuvemshop.oauth import MAX_STORE_ID_DIGITS, Grant
from integrations.redis.client import RedisClient
from integrations.redis.protection import Protection

_SET_IF_INSTALLED = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('HSET', KEYS[1], 'webhooks', ARGV[1])
end
return 0
"""
"""Record the webhooks only on a record that still exists: an uninstall that came first wins."""


class EncryptionKeyMissing(ValueError):
    """Tokens would be stored in clear: ATENDENTE_ENCRYPTION_KEY is not set."""


@dataclass(frozen=True, slots=True)
class Installation:
    """One store's installation of the app."""

    store_id: str
    access_token: str = field(repr=False)
    scopes: tuple[str, ...]
    installed_at: datetime
    webhooks: dict[str, int] = field(default_factory=dict)
    """Each registered event's webhook id at Nuvemshop."""


def valid_store_id(store_id: str) -> str:
    """The store id itself, if it is one: it names a key, so only digits pass."""
    if not (store_id.isascii() and store_id.isdigit() and len(store_id) <= MAX_STORE_ID_DIGITS):
        raise ValueError("a Nuvemshop store id is at most 19 ASCII digits")
    return store_id


class InstallationStore:
    """Saves, reads and forgets installations; tokens only ever sealed."""

    def __init__(self, client: RedisClient, prefix: str, protection: Protection) -> None:
        """Keep records under `{prefix}:installation:`; `protection` must hold a key.

        Raises:
            EncryptionKeyMissing: `protection` has no key, so tokens would be readable.
        """
        if not protection.hides:
            raise EncryptionKeyMissing(
                "ATENDENTE_ENCRYPTION_KEY is not set: the Nuvemshop app keeps each store's "
                "access token encrypted, so it needs the key"
            )
        self._client = client
        self._prefix = prefix
        self._protection = protection
        self._set_if_installed = client.register_script(_SET_IF_INSTALLED)

    def key(self, store_id: str) -> str:
        """The hash that holds this store's installation."""
        return f"{self._prefix}:installation:{valid_store_id(store_id)}"

    async def save(self, grant: Grant, *, now: datetime | None = None) -> Installation:
        """Record a new grant, replacing any earlier one of the store (its token is void)."""
        installed_at = now or datetime.now(UTC)
        key = self.key(grant.store_id)
        fields: dict[Any, str] = {
            "token": self._protection.seal(grant.access_token),
            "scopes": ",".join(grant.scopes),
            "installed_at": installed_at.isoformat(),
        }
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.hset(key, mapping=fields)
            await pipe.execute()
        return Installation(grant.store_id, grant.access_token, grant.scopes, installed_at)

    async def record_webhooks(self, store_id: str, webhooks: dict[str, int]) -> None:
        """Note the webhook ids registered for the store, if it is still installed."""
        record = json.dumps(webhooks, sort_keys=True)
        await self._set_if_installed(keys=[self.key(store_id)], args=[record])

    async def get(self, store_id: str) -> Installation | None:
        """The store's installation, or None if it never installed the app or left it.

        Raises:
            UnsealError: the token was sealed with another encryption key.
        """
        stored: dict[Any, Any] = await self._client.hgetall(self.key(store_id))
        if not stored:
            return None
        fields = {_text(name): _text(value) for name, value in stored.items()}
        if "token" not in fields:
            return None
        return Installation(
            store_id=store_id,
            access_token=self._protection.unseal(fields["token"]),
            scopes=tuple(s for s in fields.get("scopes", "").split(",") if s),
            installed_at=datetime.fromisoformat(fields["installed_at"]),
            webhooks={str(k): int(v) for k, v in json.loads(fields.get("webhooks", "{}")).items()},
        )

    async def token_for(self, store_id: str) -> str | None:
        """The store's access token, for a client that reads it; None if not installed."""
        installation = await self.get(store_id)
        return None if installation is None else installation.access_token

    async def forget(self, store_id: str) -> bool:
        """Delete the store's token, scopes and webhook record; False if there were none."""
        return bool(await self._client.delete(self.key(store_id)))


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
