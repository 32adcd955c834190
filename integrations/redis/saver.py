"""`RedisSaver`: LangGraph checkpoints on plain Redis commands (Redis 6.2+, Valkey, Cluster).

LangGraph's own Redis saver needs the RediSearch and RedisJSON modules, which Debian's
Redis, Valkey and many managed services lack, so we keep our own on hashes and strings.
One class implements LangGraph's whole saver interface, which is why the module passes 300
lines; the key layout, the snapshot parsing and thread maintenance live in their own
modules.

Each saver call is one pipelined round trip. A thread is one hash (see `layout`), read
whole by `get_tuple`. Two modes:

- full history (`keep_last=None`, LangGraph's contract): every checkpoint, blob and write
  is kept under its id or version;
- bounded (`keep_last=N`): each checkpoint carries its channel values inline and goes into
  slot `seq % N`, where `seq` counts the namespace's checkpoints (one Lua call increments
  it and writes the slot), so the N newest survive and older ones are overwritten in place
  with no extra reads; only the newest checkpoint keeps its pending writes. Best with
  `durability="exit"`, which the app uses: one checkpoint per turn.

`ttl_seconds` expires idle threads (refreshed by every checkpoint written).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    get_checkpoint_id,
    get_checkpoint_metadata,
    writes_sort_key,
)
from langgraph.checkpoint.serde.base import SerializerProtocol
from redis.exceptions import ResponseError

from integrations.redis import maintenance
from integrations.redis.client import RedisClient
from integrations.redis.layout import (
    RECORD_VERSION,
    THREAD_ID_FIELD,
    CorruptCheckpointError,
    KeySpace,
    as_byte_map,
    as_bytes,
    blob_field,
    frame,
    namespace_field,
    pack,
    record_field,
    unpack,
    write_field,
)
from integrations.redis.snapshot import Record, ThreadData, blob_envelope, parse_thread

logger = logging.getLogger(__name__)

DEFAULT_PREFIX = "atendente:cp"

PUT_BOUNDED = """
local ns, keep, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local seq = redis.call('HINCRBY', KEYS[1], 's\\0' .. ns, 1)
redis.call('HSET', KEYS[1], 'c\\0' .. ns .. '\\0' .. (seq % keep), ARGV[4], 'n\\0' .. ns, '1')
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 't', ARGV[5]) end
if ttl > 0 then
  redis.call('SET', KEYS[2], '', 'EX', ttl)
  redis.call('EXPIRE', KEYS[1], ttl)
else
  redis.call('SET', KEYS[2], '')
end
return seq
"""
"""Bounded put: the namespace's counter picks the slot the new checkpoint overwrites."""


def _ns(config: RunnableConfig) -> str:
    return str(config["configurable"].get("checkpoint_ns", ""))


class RedisSaver(BaseCheckpointSaver[str]):
    """A checkpoint saver for an async Redis client; see the module docstring."""

    def __init__(
        self,
        client: RedisClient,
        *,
        keep_last: int | None = None,
        ttl_seconds: int | None = None,
        prefix: str = DEFAULT_PREFIX,
        serde: SerializerProtocol | None = None,
        key_secret: bytes | None = None,
    ) -> None:
        """Store under `prefix`; keep `keep_last` checkpoints per thread (None: all).

        `key_secret` (given with an encrypting `serde`) hides thread ids from key names.
        """
        super().__init__(serde=serde)
        if keep_last is not None and keep_last < 1:
            raise ValueError("keep_last must be at least 1, or None for the full history")
        if ttl_seconds is not None and ttl_seconds < 1:
            raise ValueError("ttl_seconds must be positive, or None for no expiry")
        self.client = client
        self.keep_last = keep_last
        self.ttl_seconds = ttl_seconds
        self.keys = KeySpace(prefix, key_secret)
        self._put_bounded = client.register_script(PUT_BOUNDED)

    # -- reading ---------------------------------------------------------------------

    async def _read_thread(self, thread_id: str, namespaces: Sequence[str]) -> ThreadData:
        """One round trip: the thread hash, plus the writes strings when bounded."""
        pipe = self.client.pipeline(transaction=False)
        pipe.hgetall(self.keys.thread(thread_id))
        bounded_ns = list(namespaces) if self.keep_last is not None else []
        for ns in bounded_ns:
            pipe.get(self.keys.writes(thread_id, ns))
        try:
            results = await pipe.execute()
        except ResponseError as error:
            raise CorruptCheckpointError(thread_id, "foreign value under thread keys") from error
        appended = {
            ns: as_bytes(raw) if raw else None
            for ns, raw in zip(bounded_ns, results[1:], strict=True)
        }
        return parse_thread(thread_id, as_byte_map(results[0]), appended)

    def _channel_values(
        self, data: ThreadData, record: Record, checkpoint: Checkpoint
    ) -> dict[str, Any]:
        if record.values is not None:
            return {
                channel: self.serde.loads_typed(typed)
                for channel, typed in record.values.items()
                if typed[0] != "empty"
            }
        values: dict[str, Any] = {}
        for channel, version in checkpoint["channel_versions"].items():
            raw = data.blobs.get(blob_field(record.ns, channel, self._blob_key(version)))
            if raw is None:
                continue
            stored_version, typed = blob_envelope(data.thread_id, raw)
            if stored_version != version or typed[0] == "empty":
                continue
            values[channel] = self.serde.loads_typed(typed)
        return values

    def _tuple(self, data: ThreadData, record: Record) -> CheckpointTuple:
        """Deserialize one stored checkpoint with its values and pending writes."""
        try:
            checkpoint: Checkpoint = self.serde.loads_typed(record.checkpoint)
            metadata: CheckpointMetadata = self.serde.loads_typed(record.metadata)
            values = self._channel_values(data, record, checkpoint)
            stored = sorted(
                data.writes.get((record.ns, record.checkpoint_id), []),
                key=lambda w: writes_sort_key(w.task_path, w.task_id, w.idx),
            )
            writes = [(w.task_id, w.channel, self.serde.loads_typed(w.value)) for w in stored]
        except CorruptCheckpointError:
            raise
        except Exception as error:
            raise CorruptCheckpointError(data.thread_id, type(error).__name__) from error
        configurable = {"thread_id": data.thread_id, "checkpoint_ns": record.ns}
        parent = (
            {"configurable": {**configurable, "checkpoint_id": record.parent_id}}
            if record.parent_id
            else None
        )
        return CheckpointTuple(
            config={"configurable": {**configurable, "checkpoint_id": record.checkpoint_id}},
            checkpoint={**checkpoint, "channel_values": values},
            metadata=metadata,
            parent_config=parent,  # type: ignore[arg-type]
            pending_writes=writes,
        )

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """The checkpoint named by `config`, or the thread's latest in its namespace."""
        thread_id = str(config["configurable"]["thread_id"])
        ns = _ns(config)
        data = await self._read_thread(thread_id, [ns])
        checkpoint_id = get_checkpoint_id(config)
        record = data.find(ns, checkpoint_id) if checkpoint_id else data.latest(ns)
        return self._tuple(data, record) if record else None

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        """Checkpoints newest first, filtered by thread, namespace, metadata and `before`."""
        if config is not None:
            thread_ids = [str(config["configurable"]["thread_id"])]
        else:
            thread_ids = [tid async for tid in self._all_thread_ids()]
        wanted_ns = config["configurable"].get("checkpoint_ns") if config else None
        wanted_id = get_checkpoint_id(config) if config else None
        before_id = get_checkpoint_id(before) if before else None
        remaining = limit
        for thread_id in thread_ids:
            data = await self._read_thread(thread_id, [wanted_ns] if wanted_ns is not None else [])
            if self.keep_last is not None and wanted_ns is None:
                data = await self._read_thread(thread_id, sorted(data.namespaces))
            for record in sorted(data.records, key=lambda r: r.checkpoint_id, reverse=True):
                if wanted_ns is not None and record.ns != wanted_ns:
                    continue
                if wanted_id and record.checkpoint_id != wanted_id:
                    continue
                if before_id and record.checkpoint_id >= before_id:
                    continue
                found = self._tuple(data, record)
                if filter and not all(found.metadata.get(k) == v for k, v in filter.items()):
                    continue
                if remaining is not None:
                    if remaining <= 0:
                        return
                    remaining -= 1
                yield found

    async def _all_thread_ids(self) -> AsyncIterator[str]:
        async for key in self.client.scan_iter(match=self.keys.thread_pattern(), _type="hash"):
            if not self.keys.hides_ids:
                yield self.keys.thread_id_of(key)
                continue
            raw = await self.client.hget(key, THREAD_ID_FIELD)
            if raw:
                value_type, value = unpack(as_bytes(raw))
                yield str(self.serde.loads_typed((value_type, value)))

    # -- writing ---------------------------------------------------------------------

    def _blob_key(self, version: Any) -> str:
        return str(version)

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """Store a checkpoint and its channel values in one round trip.

        Both layouts (bounded slots and full history) are written here, side by side, so
        the one round trip per call is visible in one place.
        """
        thread_id = str(config["configurable"]["thread_id"])
        ns = _ns(config)
        stored = checkpoint.copy()
        values: dict[str, Any] = stored.pop("channel_values")  # type: ignore[misc]
        full_metadata = get_checkpoint_metadata(config, metadata)
        cp_type, cp_bytes = self.serde.dumps_typed(stored)
        md_type, md_bytes = self.serde.dumps_typed(full_metadata)
        inline = None
        if self.keep_last is not None:
            inline = {ch: list(self.serde.dumps_typed(v)) for ch, v in values.items()}
        record = pack(
            [
                RECORD_VERSION,
                checkpoint["id"],
                config["configurable"].get("checkpoint_id"),
                cp_type,
                cp_bytes,
                md_type,
                md_bytes,
                full_metadata.get("run_id"),
                inline,
            ]
        )
        key = self.keys.thread(thread_id)
        thread_field = pack(list(self.serde.dumps_typed(thread_id))) if self.keys.hides_ids else b""
        if self.keep_last is not None:
            await self._put_bounded(
                keys=[key, self.keys.writes(thread_id, ns)],
                args=[ns, self.keep_last, self.ttl_seconds or 0, record, thread_field],
            )
        else:
            fields: dict[bytes, bytes] = {
                record_field(ns, checkpoint["id"]): record,
                namespace_field(ns): b"1",
            }
            if thread_field:
                fields[THREAD_ID_FIELD] = thread_field
            for channel, version in new_versions.items():
                typed = self.serde.dumps_typed(values[channel]) if channel in values else None
                fields[blob_field(ns, channel, self._blob_key(version))] = pack(
                    [version, *(typed or ("empty", b""))]
                )
            pipe = self.client.pipeline(transaction=False)
            pipe.hset(key, mapping=fields)  # type: ignore[arg-type]
            if self.ttl_seconds:
                pipe.expire(key, self.ttl_seconds)
            await pipe.execute()
        return {
            "configurable": {
                "thread_id": thread_id,
                "checkpoint_ns": ns,
                "checkpoint_id": checkpoint["id"],
            }
        }

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """Store a task's pending writes for the checkpoint in `config`, in one command."""
        if not writes:
            return
        thread_id = str(config["configurable"]["thread_id"])
        ns = _ns(config)
        checkpoint_id = str(config["configurable"]["checkpoint_id"])
        entries = []
        for position, (channel, value) in enumerate(writes):
            idx = WRITES_IDX_MAP.get(channel, position)
            entries.append((idx, channel, self.serde.dumps_typed(value)))
        if self.keep_last is not None:
            payload = b"".join(
                frame([checkpoint_id, task_id, idx, task_path, channel, *typed])
                for idx, channel, typed in entries
            )
            await self.client.append(self.keys.writes(thread_id, ns), payload)
            return
        fields = {
            write_field(ns, checkpoint_id, task_id, idx): pack([task_path, channel, *typed])
            for idx, channel, typed in entries
        }
        await self.client.hset(self.keys.thread(thread_id), mapping=fields)  # type: ignore[arg-type]

    # -- maintenance -----------------------------------------------------------------

    async def adelete_thread(self, thread_id: str) -> None:
        """Delete every key of the thread: a customer's data, gone."""
        await maintenance.delete_thread(self, thread_id)

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        """Delete the checkpoints and writes produced by these runs, in every thread."""
        await maintenance.delete_for_runs(self, run_ids)

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """Copy a thread's checkpoints and writes to another thread id."""
        await maintenance.copy_thread(self, source_thread_id, target_thread_id)

    async def aprune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        """Keep only each namespace's latest checkpoint, or delete the threads."""
        await maintenance.prune(self, thread_ids, strategy)
