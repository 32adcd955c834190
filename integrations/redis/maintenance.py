"""Thread maintenance for `RedisSaver`: delete, copy, prune and delete-by-run.

These run rarely (data deletion under the LGPD, forks, clean-ups), so they favour
correctness over round trips: each change to a thread is an optimistic transaction
(WATCH/MULTI) that retries if a turn writes to the thread meanwhile.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol

from langgraph.checkpoint.serde.base import SerializerProtocol
from redis.exceptions import WatchError

from integrations.redis.client import RedisClient
from integrations.redis.layout import KeySpace, as_byte_map, as_bytes, blob_field, split_field
from integrations.redis.snapshot import Record, ThreadData, parse_thread


class RedisSaver(Protocol):
    """The parts of `integrations.redis.saver.RedisSaver` that maintenance works on.

    Named after the saver it describes; a protocol, so this module does not import the
    saver that imports it.
    """

    client: RedisClient
    keys: KeySpace
    serde: SerializerProtocol
    keep_last: int | None
    ttl_seconds: int | None

    def _blob_key(self, version: Any) -> str: ...

    def _all_thread_ids(self) -> AsyncIterator[str]: ...


MAX_RETRIES = 5


async def delete_thread(saver: RedisSaver, thread_id: str) -> None:
    """Remove every key of the thread: its hash and its writes strings."""
    key = saver.keys.thread(thread_id)
    names = [as_bytes(name) for name in await saver.client.hkeys(key)]
    namespaces = {split_field(name)[1] for name in names if name.startswith(b"n\x00")}
    namespaces.add("")
    await saver.client.delete(key, *(saver.keys.writes(thread_id, ns) for ns in namespaces))


def _referenced_blobs(saver: RedisSaver, records: Sequence[Record]) -> set[bytes]:
    referenced: set[bytes] = set()
    for record in records:
        checkpoint = saver.serde.loads_typed(record.checkpoint)
        for channel, version in checkpoint["channel_versions"].items():
            referenced.add(blob_field(record.ns, channel, saver._blob_key(version)))
    return referenced


def _doomed_fields(saver: RedisSaver, data: ThreadData, doomed: Sequence[Record]) -> list[bytes]:
    """Fields to delete with `doomed`: their records, writes and now-unreferenced blobs."""
    doomed_ids = {(r.ns, r.checkpoint_id) for r in doomed}
    kept = [r for r in data.records if (r.ns, r.checkpoint_id) not in doomed_ids]
    referenced = _referenced_blobs(saver, kept)
    fields = [r.field for r in doomed]
    fields += [name for name in data.blobs if name not in referenced]
    for key in doomed_ids:
        fields += data.write_fields.get(key, [])
    return fields


async def remove_checkpoints(
    saver: RedisSaver, thread_id: str, keep_latest_only: bool, run_ids: frozenset[str] = frozenset()
) -> None:
    """Delete the thread's checkpoints of `run_ids`, or all but each namespace's latest."""
    key = saver.keys.thread(thread_id)
    for _ in range(MAX_RETRIES):
        async with saver.client.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(key)
                data = parse_thread(thread_id, as_byte_map(await pipe.hgetall(key)), {})
                if keep_latest_only:
                    latest = {
                        saver_latest.checkpoint_id
                        for ns in {r.ns for r in data.records}
                        if (saver_latest := data.latest(ns)) is not None
                    }
                    doomed = [r for r in data.records if r.checkpoint_id not in latest]
                else:
                    doomed = [r for r in data.records if r.run_id in run_ids]
                if not doomed:
                    return
                fields = _doomed_fields(saver, data, doomed)
                pipe.multi()  # type: ignore[no-untyped-call]
                pipe.hdel(key, *fields)
                await pipe.execute()
                return
            except WatchError:
                continue
    raise RuntimeError("thread kept changing during maintenance; try again later")


async def delete_for_runs(saver: RedisSaver, run_ids: Sequence[str]) -> None:
    """Delete the checkpoints (and their writes) that the given runs produced."""
    wanted = frozenset(run_ids)
    if not wanted:
        return
    async for thread_id in saver._all_thread_ids():
        await remove_checkpoints(saver, thread_id, keep_latest_only=False, run_ids=wanted)


async def prune(saver: RedisSaver, thread_ids: Sequence[str], strategy: str) -> None:
    """`keep_latest`: only each namespace's newest checkpoint stays; `delete`: all go."""
    if strategy not in ("keep_latest", "delete"):
        raise ValueError(f"unknown prune strategy {strategy!r}: use 'keep_latest' or 'delete'")
    for thread_id in thread_ids:
        if strategy == "delete":
            await delete_thread(saver, thread_id)
        else:
            await remove_checkpoints(saver, thread_id, keep_latest_only=True)


async def copy_thread(saver: RedisSaver, source: str, target: str) -> None:
    """Replace `target` with a copy of `source` (checkpoints, blobs and writes)."""
    source_key = saver.keys.thread(source)
    raw = as_byte_map(await saver.client.hgetall(source_key))
    namespaces = {split_field(name)[1] for name in raw if name.startswith(b"n\x00")}
    appended: dict[str, bytes] = {}
    if saver.keep_last is not None:
        for ns in namespaces:
            value = await saver.client.get(saver.keys.writes(source, ns))
            if value:
                appended[ns] = as_bytes(value)
    await delete_thread(saver, target)
    if not raw:
        return
    target_key = saver.keys.thread(target)
    async with saver.client.pipeline(transaction=True) as pipe:
        pipe.hset(target_key, mapping=raw)  # type: ignore[arg-type]
        for ns, value in appended.items():
            pipe.set(saver.keys.writes(target, ns), value, ex=saver.ttl_seconds)
        if saver.ttl_seconds:
            pipe.expire(target_key, saver.ttl_seconds)
        await pipe.execute()
