"""The ASGI apps the service benchmark serves with uvicorn, as `--factory` targets.

Each runs in its own subprocess and reads its settings from the environment the benchmark
gives it, so the real app is built exactly as `atendente serve` builds it.
"""

from __future__ import annotations

from fastapi import FastAPI, Request

from benchmarks._payloads import WEBHOOK_PATH
from composition.settings import Settings
from server.app import create_app


def webhook_app() -> FastAPI:
    """The real app without workers: only the webhook's own cost is on the clock."""
    return create_app(Settings(), run_workers=False, freeze_gc=True)


def service_app() -> FastAPI:
    """The real app with its in-process workers, as `atendente serve` runs it."""
    return create_app(Settings(), freeze_gc=True)


def bare_app() -> FastAPI:
    """The floor: FastAPI and uvicorn reading a body and answering `{}`, nothing else."""
    app = FastAPI()

    @app.post(WEBHOOK_PATH)
    async def receive(request: Request) -> dict[str, int]:
        await request.body()
        return {}

    return app
