"""Where a thread's checkpoints live in Redis, and how each value is encoded.

One Redis hash per thread holds its checkpoints, channel blobs and (in full-history mode)
pending writes, so a turn reads a thread with one HGETALL, a TTL covers the whole thread
with one EXPIRE, and deleting a customer's data is one DEL. Every key of a thread carries
the thread id as its hash tag, so the layout works unchanged on Redis Cluster.

Field names are NUL-separated: checkpoint namespaces, channels and task ids never contain
NUL, and ids and versions are ASCII.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from collections.abc import Iterator
from typing import Any

import ormsgpack

from integrations.redis.protection import escape_tag

RECORD_VERSION = 2
_SEP = b"\x00"
_FRAME = struct.Struct(">I")


class CorruptCheckpointError(ValueError):
    """A value under a thread's keys cannot be read as a checkpoint.

    Raised for that one thread only; other threads keep working. The message names the
    thread by a digest, never by its id, because thread ids are customers' phone numbers.
    """

    def __init__(self, thread_id: str, detail: str) -> None:
        """Describe the damage without the thread id itself."""
        self.thread_ref = thread_ref(thread_id)
        super().__init__(
            f"checkpoint data of thread {self.thread_ref} is unreadable ({detail}); "
            "delete the thread (delete_thread) to start it over"
        )


_log_key = os.urandom(32)


def set_log_key(key: bytes) -> None:
    """Key thread references with `key`, shared by every process of a deployment.

    A plain hash of a phone number is reversible by trying every Brazilian number; a keyed
    one is not, to whoever reads the logs without the key.
    """
    global _log_key
    _log_key = key


def thread_ref(thread_id: str) -> str:
    """A short keyed digest that names a thread in logs and errors without revealing it."""
    return hmac.new(_log_key, thread_id.encode(), hashlib.sha256).hexdigest()[:12]


def _unescape_tag(tag: str) -> str:
    return tag.replace("%7D", "}").replace("%7B", "{").replace("%25", "%")


THREAD_ID_FIELD = b"t"


class KeySpace:
    """Key names under one prefix.

    With a secret, a thread's tag is an HMAC of its id, so key names reveal no phone
    number; the id itself is then kept (encrypted) in the thread hash.
    """

    def __init__(self, prefix: str, secret: bytes | None = None) -> None:
        """Use `prefix` for every key, so tests and tenants never collide."""
        self.prefix = prefix
        self._secret = secret

    @property
    def hides_ids(self) -> bool:
        """True when key names carry a digest instead of the thread id."""
        return self._secret is not None

    def _tag(self, thread_id: str) -> str:
        if self._secret is None:
            return escape_tag(thread_id)
        return hmac.new(self._secret, thread_id.encode(), hashlib.sha256).hexdigest()[:32]

    def thread(self, thread_id: str) -> str:
        """The hash holding the whole thread."""
        return f"{self.prefix}:{{{self._tag(thread_id)}}}"

    def writes(self, thread_id: str, ns: str) -> str:
        """The string holding the latest checkpoint's pending writes (bounded mode)."""
        return f"{self.thread(thread_id)}:w:{ns}"

    def thread_pattern(self) -> str:
        """A SCAN pattern matching every thread hash (and nothing else) under the prefix."""
        escaped = "".join(f"\\{c}" if c in "*?[]\\" else c for c in self.prefix)
        return f"{escaped}:{{*}}"

    def thread_id_of(self, key: bytes | str) -> str:
        """Recover the thread id from a thread hash key (only when ids are not hidden)."""
        text = key.decode() if isinstance(key, bytes) else key
        return _unescape_tag(text[len(self.prefix) + 2 : -1])


def record_field(ns: str, key: str) -> bytes:
    """Field of one checkpoint record (key: checkpoint id, or slot when bounded)."""
    return b"c" + _SEP + ns.encode() + _SEP + key.encode()


def blob_field(ns: str, channel: str, key: str) -> bytes:
    """Field of one channel value (key: version, or slot when bounded)."""
    return b"b" + _SEP + ns.encode() + _SEP + channel.encode() + _SEP + key.encode()


def write_field(ns: str, checkpoint_id: str, task_id: str, idx: int) -> bytes:
    """Field of one pending write (full-history mode)."""
    parts = (b"w", ns.encode(), checkpoint_id.encode(), task_id.encode(), str(idx).encode())
    return _SEP.join(parts)


def sequence_field(ns: str) -> bytes:
    """Counts a namespace's checkpoints, to pick the next slot when bounded."""
    return b"s" + _SEP + ns.encode()


def namespace_field(ns: str) -> bytes:
    """Marks a namespace as present, so deletes find its writes key without a scan."""
    return b"n" + _SEP + ns.encode()


def as_bytes(value: bytes | str) -> bytes:
    """Redis replies typed as `bytes | str`; a bytes-mode client always gives bytes."""
    return value if isinstance(value, bytes) else value.encode()


def as_byte_map(reply: dict[bytes | str, bytes | str]) -> dict[bytes, bytes]:
    """An HGETALL reply with bytes keys and values."""
    return {as_bytes(name): as_bytes(value) for name, value in reply.items()}


def split_field(field: bytes) -> list[str]:
    """A field name back into its kind and parts."""
    return [part.decode() for part in field.split(_SEP)]


def pack(value: Any) -> bytes:
    """Encode an envelope (ids, versions, typed payloads) as msgpack."""
    return ormsgpack.packb(value)


def unpack(data: bytes) -> Any:
    """Decode an envelope written by `pack`."""
    return ormsgpack.unpackb(data)


def frame(value: Any) -> bytes:
    """One length-prefixed envelope, so writes can be appended to a string."""
    body = pack(value)
    return _FRAME.pack(len(body)) + body


def frames(data: bytes) -> Iterator[Any]:
    """The envelopes appended by `frame`, in order."""
    offset = 0
    while offset < len(data):
        (length,) = _FRAME.unpack_from(data, offset)
        offset += _FRAME.size
        if offset + length > len(data):
            raise ValueError("truncated write frame")
        yield unpack(data[offset : offset + length])
        offset += length
