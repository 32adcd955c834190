"""Where conversations live: Redis, the key prefix, retention and encryption at rest.

REDIS_URL keeps its conventional name; the rest are ATENDENTE_*.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from composition.settings.base import SystemSettings, env_names

CLUSTER_STREAM_SHARDS = 16
"""Several shards per master of a usual three-to-six-master cluster, so they spread evenly."""


class StorageSettings(SystemSettings):
    """Where conversations live: Redis, the key prefix, retention and encryption at rest."""

    redis_url: SecretStr | None = Field(None, validation_alias=env_names("REDIS_URL"))
    """Unset: an embedded Redis server keeps its data under `data_dir`."""
    redis_cluster: bool = Field(False, validation_alias=env_names("REDIS_CLUSTER"))
    """REDIS_URL names one node of a Redis Cluster: connect with a cluster client."""
    stream_shards: int | None = Field(
        None, ge=1, le=1024, validation_alias=env_names("ATENDENTE_STREAM_SHARDS")
    )
    """How many shards the inbound and outbox streams are split into, by customer.

    Unset: one on a single server, `CLUSTER_STREAM_SHARDS` on a cluster, so the streams
    spread over its nodes. Every process of a deployment must use the same number.
    """
    redis_prefix: str = Field("atendente", validation_alias=env_names("ATENDENTE_REDIS_PREFIX"))
    """Every key Atendente writes starts with this, so it can share a Redis safely."""
    data_dir: Path = Field(Path(".atendente"), validation_alias=env_names("ATENDENTE_DATA_DIR"))
    checkpoint_keep_last: int = Field(
        2, ge=1, le=50, validation_alias=env_names("ATENDENTE_CHECKPOINT_KEEP_LAST")
    )
    conversation_ttl_days: int = Field(
        30, ge=1, validation_alias=env_names("ATENDENTE_CONVERSATION_TTL_DAYS")
    )
    """Idle conversations are deleted after this many days (data retention under the LGPD)."""
    encryption_key: SecretStr | None = Field(
        None, validation_alias=env_names("ATENDENTE_ENCRYPTION_KEY")
    )
    """Base64 or hex of a 16, 24 or 32-byte AES key; set, checkpoints are encrypted at rest."""

    @property
    def shard_count(self) -> int:
        """The stream shards in use: `stream_shards`, or the default for the topology."""
        if self.stream_shards is not None:
            return self.stream_shards
        return CLUSTER_STREAM_SHARDS if self.redis_cluster else 1

    @property
    def redis_address(self) -> str | None:
        """`REDIS_URL` in clear, or None for the embedded server."""
        return self.redis_url.get_secret_value() if self.redis_url else None
