"""The Nuvemshop partner app, built from settings: the installer, and installed stores' clients.

The app is on when `NUVEMSHOP_APP_ID` and `NUVEMSHOP_APP_SECRET` are both set; it then also
needs `ATENDENTE_PUBLIC_URL` (the address Nuvemshop's webhooks reach) and
`ATENDENTE_ENCRYPTION_KEY` (tokens are only stored sealed), and refuses to start without
them, naming the variable. The single-store variables (`NUVEMSHOP_STORE_ID`,
`NUVEMSHOP_ACCESS_TOKEN`) keep working beside it, unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx

from composition.settings import Settings
from composition.wiring import installation_store
from integrations.nuvemshop.install_states import InstallStates
from integrations.nuvemshop.installations import InstallationStore
from integrations.nuvemshop.installer import AppInstaller, StoreApi, WebhookPlan
from integrations.nuvemshop.oauth import AppCredentials, OAuthClient
from integrations.nuvemshop.webhooks import APP_UNINSTALLED
from integrations.redis.client import RedisClient
from tools.automations import EVENT_KINDS

STORE_WEBHOOK_PATH = "/webhooks/nuvemshop"
"""The signed store-webhook route (`server.routes.store_webhooks`), under the public URL."""
WEBHOOK_EVENTS: tuple[str, ...] = (*EVENT_KINDS, APP_UNINSTALLED)
"""What every installed store sends: the order events the automations and the order cache
act on, and the uninstall that ends it."""


class AppNotConfigured(ValueError):
    """The app is half configured; the message names the variable to set."""


def app_configured(settings: Settings) -> bool:
    """True when merchants may install the app: its id and secret are both set."""
    return bool(settings.nuvemshop_app_id and settings.nuvemshop_app_secret)


def app_problems(settings: Settings) -> list[str]:
    """One line per variable the app needs and lacks; none when it is off or complete."""
    if settings.nuvemshop_app_id and not settings.nuvemshop_app_secret:
        return ["NUVEMSHOP_APP_ID is set but NUVEMSHOP_APP_SECRET is not: the app needs both"]
    if not app_configured(settings):
        return []
    needs = {
        "ATENDENTE_PUBLIC_URL": (
            settings.public_url,
            "Nuvemshop's webhooks and the install's redirect need this service's address",
        ),
        "ATENDENTE_ENCRYPTION_KEY": (
            settings.encryption_key,
            "each installed store's access token is kept encrypted",
        ),
    }
    problems = [
        f"NUVEMSHOP_APP_ID is set but {name} is not: {why}"
        for name, (value, why) in needs.items()
        if not value
    ]
    public = settings.public_url or ""
    if settings.environment == "production" and public.startswith("http://"):
        problems.append("ATENDENTE_PUBLIC_URL must be https: Nuvemshop sends webhooks only there")
    return problems


def require_app(settings: Settings) -> bool:
    """Whether the app is on; raises when it is on but incomplete.

    Raises:
        AppNotConfigured: naming the first missing variable, in one line.
    """
    problems = app_problems(settings)
    if problems:
        raise AppNotConfigured(problems[0])
    return app_configured(settings)


def store_api(settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> StoreApi:
    """How the app reaches every store's API."""
    return StoreApi(
        user_agent=settings.nuvemshop_user_agent,
        base_url=settings.nuvemshop_api_url,
        api_version=settings.nuvemshop_api_version,
        transport=transport,
    )


def build_installer(
    settings: Settings,
    redis: RedisClient,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    stores: Mapping[str, Settings] | None = None,
) -> AppInstaller:
    """The app's install flow on this Redis; `transport` serves it offline (the demo).

    `stores` (Nuvemshop store id -> that store's settings) serves a deployment of many
    stores: a store's token is kept in its own key space, and a store not among them is
    refused.

    Raises:
        AppNotConfigured: the app is off or incomplete.
    """
    app_id, secret, public = (
        settings.nuvemshop_app_id,
        settings.nuvemshop_app_secret,
        settings.public_url,
    )
    if not (require_app(settings) and app_id and secret and public):
        raise AppNotConfigured("NUVEMSHOP_APP_ID and NUVEMSHOP_APP_SECRET are not set")
    credentials = AppCredentials(app_id, secret.get_secret_value())
    prefix = f"{settings.redis_prefix}:nuvemshop"
    return AppInstaller(
        app_id=app_id,
        authorize_template=settings.nuvemshop_authorize_url,
        oauth=OAuthClient(
            credentials,
            user_agent=settings.nuvemshop_user_agent,
            token_url=settings.nuvemshop_token_url,
            transport=transport,
        ),
        installations=installation_store(settings, redis),
        serves=None if stores is None else _serving(stores, redis),
        states=InstallStates(redis, prefix),
        api=store_api(settings, transport),
        webhooks=WebhookPlan(url=public + STORE_WEBHOOK_PATH, events=WEBHOOK_EVENTS),
    )


def _serving(
    stores: Mapping[str, Settings], redis: RedisClient
) -> Callable[[str], InstallationStore | None]:
    """Where each served store's token goes; None for a store not served."""

    def where(store_id: str) -> InstallationStore | None:
        store = stores.get(store_id)
        return None if store is None else installation_store(store, redis)

    return where
