"""The FastAPI service: store webhooks now, WhatsApp webhooks and workers beside them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from composition.nuvemshop_app import build_installer, require_app
from composition.settings import Settings, get_settings
from server.assembly import open_services
from server.dev_playground import DevPlayground
from server.gc_tuning import freeze_startup_objects
from server.routes import (
    admin,
    inbox,
    inbox_live,
    nuvemshop_app,
    ops,
    playground,
    store_webhooks,
    whatsapp_webhooks,
)


def create_app(
    settings: Settings | None = None, *, run_workers: bool = True, freeze_gc: bool = False
) -> FastAPI:
    """Build the app; its lifespan opens Redis, the store client and the workers.

    Args:
        settings: The configuration (default: the environment's).
        run_workers: Run the stream workers in-process, as `atendente serve` does.
        freeze_gc: Freeze the start-up objects out of full garbage collections once up
            (`server.gc_tuning`); for long-running server processes, not for tests.
    """
    chosen = settings or get_settings()
    installs = require_app(chosen)  # a half-configured app refuses to start, naming what lacks

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_services(chosen, run_workers=run_workers) as services:
            app.state.services = services
            app.state.tickets = services.handoff.store
            token = chosen.admin_token.get_secret_value() if chosen.admin_token else None
            app.state.admin = admin.AdminAccess(
                token=token, requests_per_minute=chosen.admin_rate_limit_per_minute
            )
            app.state.inbox = await inbox.open_access(chosen, services)
            if installs:
                app.state.nuvemshop_app = build_installer(chosen, services.redis)
            if chosen.serves_playground:
                app.state.playground = DevPlayground(
                    services.redis, chosen, services.whatsapp.client_phone_number_id
                )
            if freeze_gc:
                freeze_startup_objects()
            yield

    # In production the API's schema (admin routes included) and its docs are not public.
    public_docs = chosen.environment != "production"
    app = FastAPI(
        title="Atendente",
        lifespan=lifespan,
        openapi_url="/openapi.json" if public_docs else None,
        docs_url="/docs" if public_docs else None,
        redoc_url="/redoc" if public_docs else None,
    )
    app.include_router(ops.router)
    app.include_router(store_webhooks.router)
    app.include_router(whatsapp_webhooks.router)
    app.include_router(admin.router)
    app.include_router(inbox.router)
    app.include_router(inbox_live.router)
    if installs:
        app.include_router(nuvemshop_app.router)
    if chosen.serves_playground:
        app.include_router(playground.router)
    return app
