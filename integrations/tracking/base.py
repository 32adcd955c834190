"""The contract every carrier client meets, so tools can track without knowing the carrier."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from integrations.tracking.models import TrackingInfo


@runtime_checkable
class TrackingProvider(Protocol):
    """A carrier that can report where a package is."""

    async def track(self, code: str) -> TrackingInfo | None:
        """The package's tracking, or None when the carrier does not know the code."""
        ...
