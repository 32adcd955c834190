"""The reliability tests' marker (until `pyproject.toml` registers it), and key cleanup for
tests that run the app on a thread of its own, with no event loop of theirs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from redis import Redis
from redis.cluster import RedisCluster

from tests.conftest import ON_CLUSTER


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: a reliability scenario that takes seconds (deselect with -m 'not slow')"
    )


@pytest.fixture
def sync_cleanup(redis_url: str, prefix: str) -> Iterator[None]:
    """Delete the test's keys afterwards, like `redis_client`, from a synchronous test."""
    yield
    client = RedisCluster.from_url(redis_url) if ON_CLUSTER else Redis.from_url(redis_url)
    for key in list(client.scan_iter(match=f"{prefix}*")):
        client.delete(key)
    client.close()
