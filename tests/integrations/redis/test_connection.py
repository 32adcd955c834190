"""open_redis: a configured Redis fails fast and readably; no configuration means embedded."""

from __future__ import annotations

from pathlib import Path

import pytest
from redis.asyncio.cluster import RedisCluster

from integrations.redis.connection import RedisUnavailableError, mask_url, open_redis
from integrations.redis.embedded import STATE_FILE, EmbeddedRedis


async def test_unreachable_url_names_redis_url_and_masks_the_password() -> None:
    with pytest.raises(RedisUnavailableError) as raised:
        async with open_redis("redis://:s3cret@127.0.0.1:1/0"):
            pytest.fail("open_redis yielded a client for a closed port")

    message = str(raised.value)
    assert message == (
        "cannot reach Redis at REDIS_URL=redis://:***@127.0.0.1:1/0: Connection refused"
    )


async def test_malformed_url_is_reported_as_redis_url() -> None:
    with pytest.raises(RedisUnavailableError, match="invalid REDIS_URL=localhost:6379"):
        async with open_redis("localhost:6379"):
            pytest.fail("open_redis accepted a URL without a scheme")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:pw@host:6379/0", "redis://:***@host:6379/0"),
        ("rediss://app:p%40ss@host:6380/2", "rediss://app:***@host:6380/2"),
        (
            "redis://host:6379/0?password=pw&ssl_cert_reqs=none",
            "redis://host:6379/0?password=***&ssl_cert_reqs=none",
        ),
        ("redis://host:6379/0", "redis://host:6379/0"),
        ("unix:///run/redis.sock?db=1", "unix:///run/redis.sock?db=1"),
        ("redis://:pw@[::1:6379/0", "<unparseable URL>"),
    ],
)
def test_mask_url_hides_only_the_password(url: str, shown: str) -> None:
    assert mask_url(url) == shown


async def test_without_url_the_embedded_server_is_started_and_stopped(tmp_path: Path) -> None:
    async with open_redis(None, data_dir=tmp_path) as client:
        await client.set("chave", "valor")
        assert await client.get("chave") == b"valor"
        assert (tmp_path / STATE_FILE).exists()

    assert not (tmp_path / STATE_FILE).exists()
    async with open_redis(None, data_dir=tmp_path) as client:
        assert await client.get("chave") == b"valor"


async def test_url_of_a_live_server_connects(tmp_path: Path) -> None:
    with EmbeddedRedis(tmp_path) as server:
        async with open_redis(server.url) as client:
            assert await client.ping()
        assert server.owns_server


async def test_cluster_url_with_redis_cluster_gets_a_cluster_client(cluster_url: str) -> None:
    async with open_redis(cluster_url, cluster=True) as client:
        assert isinstance(client, RedisCluster)
        keys = [f"atendente-test-conn:{{{n}}}" for n in range(20)]
        for key in keys:
            await client.set(key, b"1", ex=60)
        assert [await client.get(key) for key in keys] == [b"1"] * 20
        for key in keys:
            await client.delete(key)


async def test_a_cluster_without_redis_cluster_is_refused_naming_the_variable(
    cluster_url: str,
) -> None:
    with pytest.raises(RedisUnavailableError, match="is a Redis Cluster node: set REDIS_CLUSTER"):
        async with open_redis(cluster_url):
            pytest.fail("a plain client was handed out for a cluster")


async def test_redis_cluster_on_a_single_server_is_refused_naming_the_variable(
    tmp_path: Path,
) -> None:
    with EmbeddedRedis(tmp_path) as server:
        with pytest.raises(RedisUnavailableError, match="not a cluster; unset REDIS_CLUSTER"):
            async with open_redis(server.url, cluster=True):
                pytest.fail("a cluster client was handed out for a single server")
