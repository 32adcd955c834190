"""Which shard of a sharded stream holds a customer's entries.

On Redis Cluster a stream lives whole on one node, so a single inbound stream would have one
node serve every worker's reads and writes. Each stream is therefore split into shards, each
under a hash tag of its own so the cluster spreads them over its nodes. A customer always
lands on the same shard: their messages stay in order in one stream, and the once-only key
written with an entry shares that entry's slot, so one Lua call can still check and append.

With one shard the keys are the unsharded names, so a single-server deployment keeps the
key names it always had.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Shards:
    """The shards of one stream: `name` is the hash tag's stem, `count` how many there are."""

    name: str
    count: int = 1

    def __post_init__(self) -> None:
        """Refuse a count no stream could be split into."""
        if self.count < 1:
            raise ValueError(f"a stream needs at least one shard, not {self.count}")

    def tag(self, index: int) -> str:
        """The hash tag (without braces) of shard `index`."""
        return self.name if self.count == 1 else f"{self.name}:{index}"

    def tags(self) -> list[str]:
        """Every shard's hash tag, in order."""
        return [self.tag(index) for index in range(self.count)]

    def tag_for(self, customer: str) -> str:
        """The hash tag of the shard that holds `customer`'s entries (stable across processes)."""
        return self.tag(zlib.crc32(customer.encode()) % self.count)

    def streams(self, prefix: str) -> list[str]:
        """Every shard's stream key under `prefix`."""
        return [f"{prefix}:{{{tag}}}:stream" for tag in self.tags()]

    def stream_for(self, prefix: str, customer: str) -> str:
        """The stream key of the shard that holds `customer`'s entries."""
        return f"{prefix}:{{{self.tag_for(customer)}}}:stream"
