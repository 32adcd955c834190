"""`atendente serve`: run the web service (webhooks, health) with its workers."""

from __future__ import annotations

import logging
from typing import Annotated

import typer
import uvicorn

from server.app import create_app
from server.logs import configure_logging


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the store webhooks and the health check, with the store-events worker."""
    configure_logging(logging.INFO)
    uvicorn.run(create_app(), host=host, port=port, log_level="info", log_config=None)
