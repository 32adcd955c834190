"""Count saver calls, and the Redis round trips each one makes, the same way for every saver.

Every saver is wrapped in the same `CountingSaver`, so the wrapper's small overhead is equal
across rows. The Redis connection reports each send to the call that is running in the same
asyncio task, through `current_call`, so a saver call that needs two round trips shows up.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    DeltaChannelHistory,
)


@dataclass(slots=True)
class CallTally:
    """Round trips made so far by one saver call."""

    round_trips: int = 0


current_call: ContextVar[CallTally | None] = ContextVar("current_call", default=None)
"""The saver call running in this task, if any; Redis sends are charged to it."""


@dataclass(slots=True)
class CallStats:
    """Saver calls per method, and the most round trips any single call of it needed."""

    calls: Counter[str] = field(default_factory=Counter)
    max_round_trips: dict[str, int] = field(default_factory=dict)

    def reset(self) -> None:
        """Forget the warm-up, so only the measured workload is counted."""
        self.calls.clear()
        self.max_round_trips.clear()

    @property
    def total(self) -> int:
        """Saver calls of every method."""
        return sum(self.calls.values())

    def record(self, method: str, tally: CallTally) -> None:
        """Count one finished call of `method`."""
        self.calls[method] += 1
        previous = self.max_round_trips.get(method, 0)
        self.max_round_trips[method] = max(previous, tally.round_trips)


class CountingSaver(BaseCheckpointSaver[str]):
    """A transparent proxy that counts the saver methods LangGraph calls during a turn."""

    def __init__(self, inner: BaseCheckpointSaver[Any], stats: CallStats) -> None:
        """Delegate everything to `inner`; count into `stats` (shared with clones)."""
        super().__init__(serde=inner.serde)
        self.inner = inner
        self.stats = stats

    @property
    def config_specs(self) -> list[Any]:
        """The wrapped saver's configuration fields."""
        return list(self.inner.config_specs)

    def get_next_version(self, current: str | None, channel: None) -> str:
        """The wrapped saver's versioning, which its storage layout may rely on."""
        version: str = self.inner.get_next_version(current, channel)
        return version

    def with_allowlist(self, extra_allowlist: Collection[tuple[str, ...]]) -> CountingSaver:
        """Apply the graph's msgpack allowlist to the wrapped saver, keeping the counters."""
        clone = copy.copy(self)
        clone.inner = self.inner.with_allowlist(extra_allowlist)
        clone.serde = clone.inner.serde
        return clone

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """Counted `aget_tuple`."""
        tally = CallTally()
        token = current_call.set(tally)
        try:
            return await self.inner.aget_tuple(config)
        finally:
            current_call.reset(token)
            self.stats.record("aget_tuple", tally)

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """Counted `aput`."""
        tally = CallTally()
        token = current_call.set(tally)
        try:
            return await self.inner.aput(config, checkpoint, metadata, new_versions)
        finally:
            current_call.reset(token)
            self.stats.record("aput", tally)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """Counted `aput_writes`."""
        tally = CallTally()
        token = current_call.set(tally)
        try:
            await self.inner.aput_writes(config, writes, task_id, task_path)
        finally:
            current_call.reset(token)
            self.stats.record("aput_writes", tally)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        """Counted `alist` (its round trips are charged to no call: it spans many awaits)."""
        self.stats.record("alist", CallTally())
        async for found in self.inner.alist(config, filter=filter, before=before, limit=limit):
            yield found

    async def aget_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        """Counted `aget_delta_channel_history` (only graphs with delta channels call it)."""
        tally = CallTally()
        token = current_call.set(tally)
        try:
            return await self.inner.aget_delta_channel_history(config=config, channels=channels)
        finally:
            current_call.reset(token)
            self.stats.record("aget_delta_channel_history", tally)

    async def adelete_thread(self, thread_id: str) -> None:
        """Uncounted: the benchmark deletes warm-up threads, the graph never does."""
        await self.inner.adelete_thread(thread_id)
