"""LangGraph's checkpointer conformance suite against RedisSaver on a real server."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

from langgraph.checkpoint.conformance import checkpointer_test, validate

from integrations.redis.client import RedisClient
from integrations.redis.saver import RedisSaver

CAPABILITIES = [
    "put",
    "put_writes",
    "get_tuple",
    "list",
    "delete_thread",
    "delete_for_runs",
    "copy_thread",
    "prune",
]


async def test_full_history_saver_passes_every_capability(
    each_redis: RedisClient, prefix: str
) -> None:
    @checkpointer_test(name=f"RedisSaver-{uuid.uuid4().hex[:6]}")
    async def factory() -> AsyncIterator[RedisSaver]:
        yield RedisSaver(each_redis, prefix=prefix)

    report = await validate(factory)

    failures = {cap: result.failures for cap, result in report.results.items() if result.failures}
    assert failures == {}
    for capability in CAPABILITIES:
        result = report.results[capability]
        assert result.detected, capability
        assert result.passed, capability
        assert result.tests_passed > 0 and result.tests_failed == 0, capability
    assert report.passed_all()
