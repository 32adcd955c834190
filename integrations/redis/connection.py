"""`open_redis`: the one place the app gets its Redis connection.

With `REDIS_URL` set we connect there and fail fast with a readable error (password masked);
without it we start or reuse the embedded Valkey server, so `atendente` runs with no setup.
With `cluster` set the client is a cluster client, which follows MOVED replies to the node
that owns each key; a plain client pointed at a cluster is refused at startup, because it
would fail later, on the first key another node owns.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import RedisClusterException, RedisError

from integrations.redis.client import RedisClient
from integrations.redis.embedded import DEFAULT_DATA_DIR, EmbeddedRedis

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 5.0
_SECRET_QUERY_KEYS = frozenset({"password"})


class RedisUnavailableError(RuntimeError):
    """The configured Redis cannot be used; the message is fit to show the operator as is."""


@asynccontextmanager
async def open_redis(
    url: str | None, *, data_dir: Path = DEFAULT_DATA_DIR, cluster: bool = False
) -> AsyncIterator[RedisClient]:
    """Yield a bytes-mode client for `url`, or for the embedded server when `url` is empty.

    `cluster` (REDIS_CLUSTER) asks for a cluster client; `url` then names any one node.

    Bytes mode because the checkpoint saver stores serialized bytes. On exit the client is
    closed, and an embedded server started here is stopped.

    Raises:
        RedisUnavailableError: `url` is malformed or the server there does not answer PING.
        EmbeddedRedisError: the embedded server could not be started.
    """
    if url:
        client = await (_connect_cluster(url) if cluster else _connect(url))
        try:
            yield client
        finally:
            await client.aclose()
        return
    server = EmbeddedRedis(data_dir)
    await asyncio.to_thread(server.start)
    try:
        client = Redis(host=server.host, port=server.port, decode_responses=False)
        try:
            yield client
        finally:
            await client.aclose()
    finally:
        await asyncio.to_thread(server.stop)


async def _connect(url: str) -> Redis:
    """Connect and PING once, so a wrong REDIS_URL fails at startup, not on the first turn."""
    shown = mask_url(url)
    try:
        client = Redis.from_url(
            url, decode_responses=False, socket_connect_timeout=CONNECT_TIMEOUT_SECONDS
        )
    except ValueError as exc:
        raise RedisUnavailableError(f"invalid REDIS_URL={shown}: {exc}") from exc
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        await client.aclose()
        raise RedisUnavailableError(
            f"cannot reach Redis at REDIS_URL={shown}: {_reason(exc)}"
        ) from exc
    try:
        info: Any = await client.info("cluster")
    except (RedisError, OSError):
        info = {}
    if info.get("cluster_enabled") in (1, "1"):
        await client.aclose()
        raise RedisUnavailableError(
            f"REDIS_URL={shown} is a Redis Cluster node: set REDIS_CLUSTER=true"
        )
    logger.info("connected to Redis at %s", shown)
    return client


async def _connect_cluster(url: str) -> RedisCluster:
    """Discover the cluster from the node at `url`, so a wrong address fails at startup."""
    shown = mask_url(url)
    try:
        client = RedisCluster.from_url(
            url, decode_responses=False, socket_connect_timeout=CONNECT_TIMEOUT_SECONDS
        )
    except (ValueError, RedisClusterException) as exc:
        raise RedisUnavailableError(f"invalid REDIS_URL={shown}: {exc}") from exc
    try:
        await client.initialize()
        await client.ping()
    except (RedisError, RedisClusterException, OSError) as exc:
        await client.aclose()
        reason = _reason(exc)
        if "cluster" in reason.lower() and "not enabled" in reason.lower():
            reason = "it is not a cluster; unset REDIS_CLUSTER"
        raise RedisUnavailableError(
            f"cannot reach the Redis Cluster at REDIS_URL={shown}: {reason}"
        ) from exc
    logger.info("connected to the Redis Cluster at %s", shown)
    return client


def mask_url(url: str) -> str:
    """The URL with its password (in the userinfo or a `password=` query) replaced by ***."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    netloc = parts.netloc
    if parts.password is not None:
        userinfo, _, hostinfo = netloc.rpartition("@")
        user = userinfo.partition(":")[0]
        netloc = f"{user}:***@{hostinfo}"
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(key in _SECRET_QUERY_KEYS for key, _ in pairs):
        masked = [(key, "***" if key in _SECRET_QUERY_KEYS else value) for key, value in pairs]
        query = urlencode(masked, safe="*")
    if (netloc, query) == (parts.netloc, parts.query):
        return url
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def _reason(exc: BaseException) -> str:
    """The OS-level cause ("Connection refused") when there is one, else redis-py's message."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, OSError) and cause.errno is not None:
            return os.strerror(cause.errno)
        cause = cause.__cause__ or cause.__context__
    return str(exc) or type(exc).__name__
