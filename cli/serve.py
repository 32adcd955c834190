"""`atendente serve`: run the web service (webhooks, health) with its workers."""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer
import uvicorn

from cli.preflight import preflight, require_free_port, require_redis
from server.app import create_app
from server.logs import configure_logging


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the webhooks, admin API and playground, with the workers in-process."""
    settings = preflight()
    require_redis(settings)
    require_free_port(host, port)
    configure_logging(logging.INFO)
    if settings.serves_playground:
        shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
        sys.stdout.write(
            f"\nAtendente is running. Playground: http://{shown}:{port}/  (Ctrl-C stops)\n\n"
        )
        sys.stdout.flush()
    uvicorn.run(
        create_app(settings, freeze_gc=True),
        host=host,
        port=port,
        log_level="info",
        log_config=None,
        proxy_headers=settings.forwarded_allow_ips is not None,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
