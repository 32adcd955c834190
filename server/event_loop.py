"""The event loop our long-running processes use: uvloop where it is installed.

uvicorn already serves HTTP on uvloop (`uvicorn[standard]`), but `atendente worker` starts
its own loop, and a worker's turn is mostly event-loop work: Redis round trips, HTTP calls
and LangGraph's task scheduling. uvloop does that work in C. Where it is missing (uvicorn
installs it only on CPython outside Windows) the standard loop runs the same code.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The constructor of uvloop's loop, or None for asyncio's default."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def loop_name(loop: asyncio.AbstractEventLoop) -> str:
    """Which implementation `loop` is ("uvloop" or "asyncio"), for the start-up log."""
    return type(loop).__module__.split(".")[0]


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on the fastest loop available."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
