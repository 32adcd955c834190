"""Installing the Nuvemshop partner app in a store: from our link to its registered webhooks.

`begin` issues a single-use state and gives the authorize link; `complete` takes the
callback's code and state back: it consumes the state, exchanges the code, stores the
token sealed, and registers the store's webhooks (the order events and `app/uninstalled`)
unless they already exist. `forget` drops a store that uninstalled the app. Each step's
failure is its own exception, so the pages a merchant sees can say what to do next.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

import httpx

from integrations.nuvemshop.errors import NuvemshopError
from integrations.nuvemshop.install_states import InstallStates
from integrations.nuvemshop.installations import Installation, InstallationStore
from integrations.nuvemshop.oauth import InvalidGrant, OAuthClient, authorize_url
from integrations.nuvemshop.webhooks import WebhookClient

logger = logging.getLogger(__name__)


class StateRejected(Exception):
    """The callback's state is not one we issued, was used already, or expired."""


class UnknownStore(Exception):
    """The store that approved the app is not one this deployment serves."""

    def __init__(self, store_id: str) -> None:
        """Name the store, whose token is not kept."""
        super().__init__(f"store {store_id} is not served here")
        self.store_id = store_id


class WebhooksNotRegistered(Exception):
    """The store is installed, but Nuvemshop refused or failed to register its webhooks."""

    def __init__(self, store_id: str) -> None:
        """Name the store, whose token is kept: installing again registers what is missing."""
        super().__init__(f"store {store_id} installed without its webhooks")
        self.store_id = store_id


@dataclass(frozen=True, slots=True)
class StoreApi:
    """How every store's API is reached; only the token differs from store to store."""

    user_agent: str
    base_url: str = "https://api.nuvemshop.com.br"
    api_version: str = "v1"
    transport: httpx.AsyncBaseTransport | None = None
    """None in production; the offline demo's transport in tests."""


@dataclass(frozen=True, slots=True)
class WebhookPlan:
    """Which events each installed store must send, and where."""

    url: str
    """The public address of the signed store-webhook route."""
    events: tuple[str, ...]


class AppInstaller:
    """The install flow of the partner app, and the installed stores' tokens."""

    def __init__(
        self,
        *,
        app_id: str,
        authorize_template: str,
        oauth: OAuthClient,
        installations: InstallationStore,
        states: InstallStates,
        api: StoreApi,
        webhooks: WebhookPlan,
        serves: Callable[[str], InstallationStore | None] | None = None,
    ) -> None:
        """Compose the parts; `authorize_template` has `{app_id}` where the app id goes.

        `serves` says where a deployment of many stores keeps a store's token (each store's
        own key space), or None for a store it does not serve; by default, every store's
        token goes to `installations`.
        """
        self._app_id = app_id
        self._authorize_template = authorize_template
        self._oauth = oauth
        self._states = states
        self._api = api
        self._webhooks = webhooks
        self.installations = installations
        """Each installed store's token (`token_for`), for clients of that store."""
        self._serves = serves or (lambda _store_id: installations)

    async def begin(self) -> str:
        """The authorize link for a new install, with a fresh single-use state."""
        state = await self._states.issue()
        return authorize_url(self._authorize_template, self._app_id, state)

    async def complete(self, code: str | None, state: str | None) -> Installation:
        """Finish an install from the callback's query.

        Raises:
            StateRejected: the state is missing, unknown, used or expired.
            UnknownStore: the store that approved is not one this deployment serves.
            InvalidGrant: the code is missing, unknown, expired or used.
            NuvemshopError: the exchange failed otherwise (refused app, no answer).
            WebhooksNotRegistered: the token is stored, the webhooks are not (all of them).
            RedisError: the state or the installation could not be read or written.
        """
        if not await self._states.consume(state):
            raise StateRejected("unknown, used or expired install state")
        if not code:
            raise InvalidGrant("the callback carried no code")
        grant = await self._oauth.exchange(code)
        installations = self._serves(grant.store_id)
        if installations is None:
            logger.warning(
                "nuvemshop store %s approved the app but is not served here", grant.store_id
            )
            raise UnknownStore(grant.store_id)
        installation = await installations.save(grant)
        logger.info("nuvemshop store %s installed the app", grant.store_id)
        try:
            async with self.webhook_client(grant.store_id, grant.access_token) as hooks:
                ids = await hooks.ensure(self._webhooks.events, self._webhooks.url)
        except NuvemshopError as error:
            logger.warning(
                "nuvemshop store %s: webhooks not registered (%s)",
                grant.store_id,
                type(error).__name__,
            )
            raise WebhooksNotRegistered(grant.store_id) from error
        await installations.record_webhooks(grant.store_id, ids)
        return replace(installation, webhooks=ids)

    async def forget(self, store_id: str) -> bool:
        """Drop a store that uninstalled the app: its token and its webhook record.

        Nuvemshop has already voided the token and removes the app's webhooks itself, so
        nothing is asked of the API.
        """
        forgotten = await self.installations.forget(store_id)
        if forgotten:
            logger.info("nuvemshop store %s uninstalled the app; its token is deleted", store_id)
        return forgotten

    def webhook_client(self, store_id: str, access_token: str) -> WebhookClient:
        """A client of one store's webhooks, to register or delete them on demand."""
        return WebhookClient(
            store_id=store_id,
            access_token=access_token,
            user_agent=self._api.user_agent,
            base_url=self._api.base_url,
            api_version=self._api.api_version,
            transport=self._api.transport,
        )

    @property
    def webhooks(self) -> WebhookPlan:
        """The events and address every installed store is registered with."""
        return self._webhooks
