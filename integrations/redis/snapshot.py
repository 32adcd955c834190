"""A thread as read from Redis in one round trip, parsed into records, blobs and writes.

Parsing is lazy where it matters: envelopes are decoded for every checkpoint, but the
serialized checkpoint and channel values only for the checkpoints a caller asks for.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from integrations.redis.layout import RECORD_VERSION, CorruptCheckpointError, frames, split_field
from integrations.redis.layout import unpack as unpack_envelope

Typed = tuple[str, bytes]


@dataclass(frozen=True, slots=True)
class StoredWrite:
    """One pending write as stored: who wrote what, still serialized."""

    task_id: str
    idx: int
    task_path: str
    channel: str
    value: Typed


@dataclass(frozen=True, slots=True)
class Record:
    """One checkpoint's envelope: ids, serialized checkpoint and metadata, run id."""

    ns: str
    field: bytes
    checkpoint_id: str
    parent_id: str | None
    checkpoint: Typed
    metadata: Typed
    run_id: str | None
    values: dict[str, Typed] | None = None
    """Channel values stored inline (bounded mode); None when they live in blob fields."""


@dataclass(slots=True)
class ThreadData:
    """Everything stored for one thread."""

    thread_id: str
    records: list[Record] = field(default_factory=list)
    blobs: dict[bytes, bytes] = field(default_factory=dict)
    writes: dict[tuple[str, str], list[StoredWrite]] = field(
        default_factory=lambda: defaultdict(list)
    )
    write_fields: dict[tuple[str, str], list[bytes]] = field(
        default_factory=lambda: defaultdict(list)
    )
    namespaces: set[str] = field(default_factory=set)

    def latest(self, ns: str) -> Record | None:
        """The newest checkpoint of a namespace (checkpoint ids sort by time)."""
        candidates = [r for r in self.records if r.ns == ns]
        return max(candidates, key=lambda r: r.checkpoint_id, default=None)

    def find(self, ns: str, checkpoint_id: str) -> Record | None:
        """The checkpoint with this id in this namespace, if kept."""
        for record in self.records:
            if record.ns == ns and record.checkpoint_id == checkpoint_id:
                return record
        return None


def _record(thread_id: str, ns: str, name: bytes, raw: bytes) -> Record:
    envelope = unpack_envelope(raw)
    if not isinstance(envelope, list) or len(envelope) != 9 or envelope[0] != RECORD_VERSION:
        raise CorruptCheckpointError(thread_id, "unknown checkpoint record format")
    _, checkpoint_id, parent_id, cp_type, cp_bytes, md_type, md_bytes, run_id, inline = envelope
    values = None
    if inline is not None:
        values = {
            str(channel): (str(typed[0]), bytes(typed[1])) for channel, typed in inline.items()
        }
    return Record(
        ns=ns,
        field=name,
        checkpoint_id=str(checkpoint_id),
        parent_id=parent_id,
        checkpoint=(str(cp_type), bytes(cp_bytes)),
        metadata=(str(md_type), bytes(md_bytes)),
        run_id=run_id,
        values=values,
    )


def _dedupe(writes: list[StoredWrite]) -> list[StoredWrite]:
    """Regular writes keep their first value, special ones (negative idx) their last."""
    kept: dict[tuple[str, int], StoredWrite] = {}
    for write in writes:
        key = (write.task_id, write.idx)
        if write.idx < 0 or key not in kept:
            kept[key] = write
    return list(kept.values())


def parse_thread(
    thread_id: str, hash_data: dict[bytes, bytes], appended_writes: dict[str, bytes | None]
) -> ThreadData:
    """Parse a thread hash (and, when bounded, its per-namespace writes strings)."""
    data = ThreadData(thread_id)
    try:
        for name, raw in hash_data.items():
            parts = split_field(name)
            kind = parts[0]
            if kind == "c" and len(parts) == 3:
                data.records.append(_record(thread_id, parts[1], name, raw))
            elif kind == "b" and len(parts) == 4:
                data.blobs[name] = raw
            elif kind == "w" and len(parts) == 5:
                _, ns, checkpoint_id, task_id, idx = parts
                task_path, channel, value_type, value = unpack_envelope(raw)
                key = (ns, checkpoint_id)
                data.writes[key].append(
                    StoredWrite(task_id, int(idx), task_path, channel, (value_type, value))
                )
                data.write_fields[key].append(name)
            elif kind == "n" and len(parts) == 2:
                data.namespaces.add(parts[1])
            elif (kind == "t" and len(parts) == 1) or (kind == "s" and len(parts) == 2):
                continue
            else:
                raise CorruptCheckpointError(thread_id, "unexpected field in thread hash")
        for ns, raw_writes in appended_writes.items():
            if not raw_writes:
                continue
            for checkpoint_id, task_id, idx, task_path, channel, vtype, value in frames(raw_writes):
                data.writes[(ns, checkpoint_id)].append(
                    StoredWrite(task_id, int(idx), task_path, channel, (vtype, value))
                )
    except CorruptCheckpointError:
        raise
    except (ValueError, TypeError, KeyError, UnicodeDecodeError) as error:
        raise CorruptCheckpointError(thread_id, type(error).__name__) from error
    for key, writes in data.writes.items():
        data.writes[key] = _dedupe(writes)
    return data


def blob_envelope(thread_id: str, raw: bytes) -> tuple[Any, Typed]:
    """A stored channel value: the version it holds and its serialized value."""
    try:
        version, value_type, value = unpack_envelope(raw)
    except (ValueError, TypeError) as error:
        raise CorruptCheckpointError(thread_id, "unreadable channel value") from error
    return version, (str(value_type), bytes(value))
