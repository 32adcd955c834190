"""What a brain must do, so the graph stays the same whichever brain reads and writes.

A brain understands a message, chooses tool calls, and writes the reply; the graph owns
everything else (identity, tools, handoff, state).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from langchain_core.messages import AIMessage
from langchain_core.tools import BaseTool

from agent.state import AgentState, Awaiting, OutboundMessage
from agent.store_profile import StoreProfile
from agent.understanding import Understanding


@runtime_checkable
class Brain(Protocol):
    """The language half of the agent: understanding, tool choice and replies."""

    name: str
    """'rules' or 'openai', recorded with each turn."""

    async def understand(self, text: str, *, awaiting: Awaiting | None) -> Understanding:
        """Classify one customer message, knowing what our last message asked for."""
        ...

    async def act(self, state: AgentState, tools: Sequence[BaseTool]) -> AIMessage:
        """Choose the next tool calls for this turn; no tool calls means done."""
        ...

    async def compose(self, state: AgentState, store: StoreProfile) -> list[OutboundMessage]:
        """Write this turn's outgoing messages from the state's facts and tool results."""
        ...
