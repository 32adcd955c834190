"""Thread references in logs: keyed, shared by a deployment's processes, not reversible."""

from __future__ import annotations

import hashlib

from redis.asyncio import Redis

from integrations.redis import layout
from server.assembly import share_log_key

ANA = "5511987654321"


async def test_every_process_on_one_redis_names_a_customer_the_same_keyed_way(
    redis_client: Redis, prefix: str
) -> None:
    await share_log_key(redis_client, prefix)
    first = layout.thread_ref(ANA)
    layout.set_log_key(b"another process's random start")
    await share_log_key(redis_client, prefix)
    assert layout.thread_ref(ANA) == first
    assert first != hashlib.sha256(ANA.encode()).hexdigest()[:12], "a plain hash is reversible"
    await share_log_key(redis_client, prefix + "-other")
    assert layout.thread_ref(ANA) != first, "another deployment has another key"
