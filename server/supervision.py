"""Background loops that come back when they die, and say so while they are down.

A worker, sender or store-event loop that raises used to end silently: nothing was logged
until shutdown and `/readyz` stayed 200 while no reply was ever sent again. `supervise`
runs a loop, logs its death at once, marks it down in `LoopHealth` (which `/readyz` reads)
and starts it again after a backoff that doubles up to a ceiling.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 30.0


@dataclass(slots=True)
class LoopState:
    """Whether one loop is running, and how often it has died."""

    running: bool = False
    restarts: int = 0
    last_error: str | None = None


@dataclass(slots=True)
class LoopHealth:
    """Every supervised loop's state, by name."""

    loops: dict[str, LoopState] = field(default_factory=dict)

    def down(self) -> list[str]:
        """The loops that are not running right now."""
        return sorted(name for name, state in self.loops.items() if not state.running)


async def supervise(
    name: str,
    start: Callable[[], Awaitable[None]],
    stop: asyncio.Event,
    health: LoopHealth,
    *,
    first_backoff: float = FIRST_BACKOFF_SECONDS,
) -> None:
    """Run `start()` until `stop` is set, restarting it whenever it raises or returns early."""
    state = health.loops.setdefault(name, LoopState())
    backoff = first_backoff
    while not stop.is_set():
        state.running = True
        try:
            await start()
        except asyncio.CancelledError:
            state.running = False
            raise
        except Exception as error:  # any death is logged and retried, never silent
            state.last_error = type(error).__name__
            logger.error("loop %s died (%s); restarting in %.1fs", name, state.last_error, backoff)
        else:
            if stop.is_set():
                break
            state.last_error = "returned"
            logger.error("loop %s stopped on its own; restarting in %.1fs", name, backoff)
        state.running = False
        state.restarts += 1
        try:
            await asyncio.wait_for(stop.wait(), timeout=backoff)
        except TimeoutError:
            pass
        backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
    state.running = False
