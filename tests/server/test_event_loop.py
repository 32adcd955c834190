"""Long-running processes run on uvloop where it is installed, and on asyncio where not."""

from __future__ import annotations

import asyncio
import sys

import pytest

from server.event_loop import loop_factory, loop_name, run


async def _running_loop_name() -> str:
    return loop_name(asyncio.get_running_loop())


def test_run_uses_uvloop_when_it_is_installed() -> None:
    assert run(_running_loop_name()) == "uvloop"


def test_without_uvloop_the_standard_loop_runs_the_same_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop now raises ImportError

    assert loop_factory() is None
    assert run(_running_loop_name()) == "asyncio"
