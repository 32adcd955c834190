"""The FastAPI service: store webhooks now, WhatsApp webhooks and workers beside them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from composition.nuvemshop_app import build_installer, require_app
from composition.settings import Settings, get_settings
from composition.stores import load_stores
from server.assembly import open_services, open_stores
from server.dev_playground import DevPlayground
from server.gc_tuning import freeze_startup_objects
from server.routes import (
    admin,
    inbox,
    inbox_live,
    nuvemshop_app,
    nuvemshop_stores,
    ops,
    playground,
    store_webhooks,
    whatsapp_stores,
    whatsapp_webhooks,
)
from server.services import Services

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_app(
    settings: Settings | None = None, *, run_workers: bool = True, freeze_gc: bool = False
) -> FastAPI:
    """Build the app; its lifespan opens Redis, the store client and the workers.

    With `ATENDENTE_STORES_FILE` the app serves many stores (`create_stores_app`).

    Args:
        settings: The configuration (default: the environment's).
        run_workers: Run the stream workers in-process, as `atendente serve` does.
        freeze_gc: Freeze the start-up objects out of full garbage collections once up
            (`server.gc_tuning`); for long-running server processes, not for tests.
    """
    chosen = settings or get_settings()
    if chosen.stores_file is not None:
        return create_stores_app(chosen, run_workers=run_workers, freeze_gc=freeze_gc)
    installs = require_app(chosen)  # a half-configured app refuses to start, naming what lacks

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_services(chosen, run_workers=run_workers) as services:
            await _serve_store(app, chosen, services, installs=installs)
            if chosen.serves_playground:
                app.state.playground = DevPlayground(
                    services.redis, chosen, services.whatsapp.client_phone_number_id
                )
            if freeze_gc:
                freeze_startup_objects()
            yield

    app = _app(chosen, lifespan)
    app.include_router(ops.router)
    app.include_router(whatsapp_webhooks.router)
    _store_routes(app, installs=installs)
    if chosen.serves_playground:
        app.include_router(playground.router)
    return app


def create_stores_app(settings: Settings, *, run_workers: bool, freeze_gc: bool) -> FastAPI:
    """One deployment, many stores: each store's routes under `/stores/<slug>/`.

    The WhatsApp webhook stays at the root, where Meta posts every number's updates, and
    hands each update to the store whose number received it. Everything else a store has
    (its Nuvemshop webhooks, admin API and inbox) is a sub-application of its own, whose
    state holds only that store's service, so no route can reach another store's data.
    The playground, a single-store development page, is not served.

    The partner app's install lives at the root too, where its one redirect URL points: the
    store that approves is looked up among the stores, and its token kept in its key space.
    """
    configs = load_stores(settings)
    installs = {config.slug: require_app(config.settings) for config in configs}
    app_installs = require_app(settings)
    store_apps = {config.slug: _app(config.settings, None) for config in configs}
    for config in configs:
        _store_routes(store_apps[config.slug], installs=False)  # installs come to the root
    by_store_id = {
        config.settings.nuvemshop_store_id: config.settings
        for config in configs
        if config.settings.nuvemshop_store_id
    }

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_stores(settings, configs, run_workers=run_workers) as stores:
            app.state.stores = stores
            for config in configs:
                await _serve_store(
                    store_apps[config.slug],
                    config.settings,
                    stores.by_slug[config.slug],
                    installs=installs[config.slug],
                )
            if app_installs:
                redis = next(iter(stores.all)).redis
                app.state.nuvemshop_app = build_installer(settings, redis, stores=by_store_id)
            if freeze_gc:
                freeze_startup_objects()
            yield

    app = _app(settings, lifespan)
    app.include_router(ops.router)
    app.include_router(whatsapp_stores.router)
    app.include_router(nuvemshop_stores.router)
    if app_installs:
        app.include_router(nuvemshop_app.router)
    for slug, store_app in store_apps.items():
        app.mount(f"/stores/{slug}", store_app)
    return app


def _app(settings: Settings, lifespan: Lifespan | None) -> FastAPI:
    """A FastAPI app; in production its schema (admin routes included) and docs are hidden."""
    public_docs = settings.environment != "production"
    return FastAPI(
        title="Atendente",
        lifespan=lifespan,
        openapi_url="/openapi.json" if public_docs else None,
        docs_url="/docs" if public_docs else None,
        redoc_url="/redoc" if public_docs else None,
    )


def _store_routes(app: FastAPI, *, installs: bool) -> None:
    """What every store has: its Nuvemshop webhooks, admin API, inbox and app install."""
    app.include_router(store_webhooks.router)
    app.include_router(admin.router)
    app.include_router(inbox.router)
    app.include_router(inbox_live.router)
    if installs:
        app.include_router(nuvemshop_app.router)


async def _serve_store(
    app: FastAPI, settings: Settings, services: Services, *, installs: bool
) -> None:
    """Give a store's app its service, tickets, admin access, inbox and installer."""
    app.state.services = services
    app.state.tickets = services.handoff.store
    token = settings.admin_token.get_secret_value() if settings.admin_token else None
    app.state.admin = admin.AdminAccess(
        token=token, requests_per_minute=settings.admin_rate_limit_per_minute
    )
    app.state.inbox = await inbox.open_access(settings, services)
    if installs:
        app.state.nuvemshop_app = build_installer(settings, services.redis)
