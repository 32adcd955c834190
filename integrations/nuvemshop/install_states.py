"""Single-use OAuth `state` values, so only installs begun at our own link complete.

Each install link carries a random state that Redis keeps for 10 minutes (twice the code's
5-minute life, for a merchant who takes a moment on the authorize page); the callback
consumes it with one GETDEL, so a forged callback, a second use of the same link and a
link older than 10 minutes are all refused. The key names a digest of the state, so a
reader of the database cannot finish someone else's install with it.

There is no browser session to bind the state to: an install is the whole relationship,
and whoever completes one installs the store that authorised it, never someone else's.

Key: `{prefix}:install-state:{sha256(state)[:32]}`, registered in `server.key_registry`.
"""

from __future__ import annotations

import hashlib
import secrets

from integrations.redis.client import RedisClient

STATE_SECONDS = 600
"""How long an install link works."""
MAX_STATE_CHARS = 128
"""Our states are 43 characters; anything much longer is not one of them."""


class InstallStates:
    """Issues states and takes each back once."""

    def __init__(self, client: RedisClient, prefix: str, *, seconds: int = STATE_SECONDS) -> None:
        """Keep states under `{prefix}:install-state:` for `seconds`."""
        self._client = client
        self._prefix = prefix
        self._seconds = seconds

    def _key(self, state: str) -> str:
        digest = hashlib.sha256(state.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return f"{self._prefix}:install-state:{digest}"

    async def issue(self) -> str:
        """A new random state, valid for one callback within the next 10 minutes."""
        state = secrets.token_urlsafe(32)
        await self._client.set(self._key(state), b"1", ex=self._seconds, nx=True)
        return state

    async def consume(self, state: str | None) -> bool:
        """True once for a state we issued and that has not expired; False ever after."""
        if not state or len(state) > MAX_STATE_CHARS:
            return False
        return await self._client.getdel(self._key(state)) is not None
