"""The reliability tests' marker (until `pyproject.toml` registers it), and key cleanup for
tests that run the app on a thread of its own, with no event loop of theirs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from redis import Redis


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: a reliability scenario that takes seconds (deselect with -m 'not slow')"
    )


@pytest.fixture
def sync_cleanup(redis_url: str, prefix: str) -> Iterator[None]:
    """Delete the test's keys afterwards, like `redis_client`, from a synchronous test."""
    yield
    client = Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()
