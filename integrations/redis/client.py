"""`RedisClient`: the connection our code takes, to one Redis server or to a Redis Cluster.

Every key a single command, script or transaction touches shares one hash tag, so the same
code runs on both; which client is opened is decided once, in `open_redis`.
"""

from __future__ import annotations

from typing import TypeAlias

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

RedisClient: TypeAlias = Redis | RedisCluster
