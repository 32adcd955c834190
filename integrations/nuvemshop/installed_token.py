"""`InstalledToken`: a store's API token as the app's install left it, read when it is needed.

A store that installed the partner app has no token in the environment: its token is in
the installation record (`InstallationStore`), written by whichever process handled the
install and deleted on `app/uninstalled`. Every process reads it from there, so a worker
started before the install reads the store once it is installed, and none keeps using a
token the merchant revoked. The token is kept for `refresh_seconds` between reads, and read
again at once when the API refuses it (the merchant installed again, with a new token).
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Callable, Generator

import httpx

from integrations.nuvemshop.errors import NuvemshopAuthError
from integrations.nuvemshop.installations import InstallationStore

REFRESH_SECONDS = 60.0


class StoreNotInstalled(NuvemshopAuthError):
    """The store has no installation (never installed the app, or removed it)."""


class InstalledToken(httpx.Auth):
    """httpx authentication with the store's installed token, in Nuvemshop's header."""

    def __init__(
        self,
        installations: InstallationStore,
        store_id: str,
        *,
        refresh_seconds: float = REFRESH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Read `store_id`'s token from `installations`, at most every `refresh_seconds`."""
        self._installations = installations
        self._store_id = store_id
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        self._token: str | None = None
        self._read_at = float("-inf")

    async def _current(self, *, fresh: bool) -> str:
        stale = self._clock() - self._read_at >= self._refresh_seconds
        if fresh or stale or self._token is None:  # a store not installed yet is asked again
            self._token = await self._installations.token_for(self._store_id)
            self._read_at = self._clock()
        if self._token is None:
            raise StoreNotInstalled(f"store {self._store_id} has not installed the app")
        return self._token

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Send with the known token; on 401, read the record again and retry once."""
        token = await self._current(fresh=False)
        request.headers["Authentication"] = f"bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        renewed = await self._current(fresh=True)
        if renewed != token:
            request.headers["Authentication"] = f"bearer {renewed}"
            yield request

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        """The store's client is asynchronous; a synchronous one cannot read Redis here."""
        raise RuntimeError("InstalledToken works with httpx.AsyncClient only")
