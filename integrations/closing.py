"""A base for clients that hold a connection pool, so `async with` always closes it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self


class AsyncClosing(ABC):
    """`async with Client(...) as client:` closes the client's pool when the block ends."""

    @abstractmethod
    async def aclose(self) -> None:
        """Release the connection pool."""

    async def __aenter__(self) -> Self:
        """Enter the block with the client itself."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the pool however the block ends."""
        await self.aclose()
