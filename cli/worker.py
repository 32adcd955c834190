"""`atendente worker`: answer customers from the shared Redis, without serving HTTP.

Run as many as the load needs, on any hosts that reach the same Redis; `atendente serve`
runs one in-process already.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from cli.preflight import preflight
from composition.settings import get_settings
from server.assembly import open_stores
from server.event_loop import loop_name, run
from server.gc_tuning import freeze_startup_objects
from server.logs import configure_logging


async def _work() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with open_stores(get_settings(), run_workers=True):
        freeze_startup_objects()
        logging.getLogger(__name__).info(
            "worker started on %s; waiting for messages", loop_name(loop)
        )
        await stop.wait()


def worker() -> None:
    """Consume the inbound and store-event streams until stopped (SIGTERM or Ctrl-C)."""
    preflight()
    configure_logging(logging.INFO)
    run(_work())
