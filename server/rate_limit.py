"""Fixed-window request counters in Redis, shared by the admin API and the staff inbox.

One counter per bucket and minute (`{prefix}:admin:rate:<bucket>:<minute>`), so every
process of a deployment counts against the same budget. Redis being down refuses the
request (503) rather than letting it through uncounted.
"""

from __future__ import annotations

import time

from fastapi import HTTPException, status
from redis.exceptions import RedisError

from integrations.redis.client import RedisClient

WINDOW_SECONDS = 60


def too_many(window: int, now: float) -> HTTPException:
    """429 with the seconds until the next window in Retry-After."""
    retry_after = max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        "too many requests",
        headers={"Retry-After": str(retry_after)},
    )


async def count(
    redis: RedisClient, prefix: str, bucket: str, *, add: bool
) -> tuple[int, int, float]:
    """This minute's count in `bucket` (incremented when `add`), its window and the time."""
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    key = f"{prefix}:admin:rate:{bucket}:{window}"
    try:
        if not add:
            return int(await redis.get(key) or 0), window, now
        async with redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, WINDOW_SECONDS + 1)
            counted, _ = await pipe.execute()
    except (RedisError, OSError):
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "try again later") from None
    return int(counted), window, now


async def limit(redis: RedisClient, prefix: str, bucket: str, per_minute: int) -> None:
    """Count one request in `bucket`; 429 once it passes `per_minute` this minute."""
    used, window, now = await count(redis, prefix, bucket, add=True)
    if used > per_minute:
        raise too_many(window, now)
