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
from server.routes.inbox import DEMO_AGENT


def addresses(base: str, *, playground: bool) -> str:
    """What `serve` prints once at start: where each page is, and how to stop."""
    lines = ["", "Atendente is running (Ctrl-C stops)."]
    if playground:
        lines.append(f"  Playground: {base}/")
        demo = f"{DEMO_AGENT['login']} / {DEMO_AGENT['password']}"
        lines.append(f"  Inbox:      {base}/inbox  (demo agent: {demo})")
    else:
        lines.append(f"  Inbox:      {base}/inbox  (agents: atendente agents add)")
    return "\n".join([*lines, "", ""])


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the webhooks, admin API and playground, with the workers in-process."""
    settings = preflight()
    require_redis(settings)
    require_free_port(host, port)
    production = settings.environment == "production"
    configure_logging(logging.INFO, json=production)
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
    sys.stdout.write(addresses(f"http://{shown}:{port}", playground=settings.serves_playground))
    sys.stdout.flush()
    # The lines above say where it runs; uvicorn's own "running on" would say it again.
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
    uvicorn.run(
        create_app(settings, freeze_gc=True),
        host=host,
        port=port,
        log_level="info",
        log_config=None,
        proxy_headers=settings.forwarded_allow_ips is not None,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
