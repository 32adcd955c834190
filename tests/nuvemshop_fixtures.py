"""Fixtures: the offline Nuvemshop a partner app is installed through, on a clock the test
moves (a plugin, for the OAuth tests and the service's install tests alike)."""

from __future__ import annotations

import pytest

from integrations.nuvemshop.demo import DemoNuvemshop

CALLBACK = "https://atendente.example.com/nuvemshop/callback"
"""The redirect URL the app is registered with at the offline Nuvemshop."""


class ManualClock:
    """A monotonic clock that moves only when the test sets `now` (a code's 5 minutes)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def nuvemshop(clock: ManualClock) -> DemoNuvemshop:
    return DemoNuvemshop(redirect_url=CALLBACK, clock=clock)
