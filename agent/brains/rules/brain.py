"""The `rules` brain: offline pt-BR understanding, a fixed tool plan and reply templates.

It needs no model and no network, so it is the default without an API key, the fast path
for obvious turns and the fallback when a model fails.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import AIMessage
from langchain_core.tools import BaseTool

from agent.brains.rules.classifier import classify
from agent.brains.rules.planner import plan
from agent.brains.rules.replies import compose_reply
from agent.context import Context
from agent.state import AgentState, Awaiting, OutboundMessage
from agent.understanding import Understanding


class RulesBrain:
    """Deterministic brain: same input, same understanding, tools and words."""

    name = "rules"

    async def understand(self, text: str, *, awaiting: Awaiting | None) -> Understanding:
        """Classify with the lexicon and the validated entity extractors."""
        return classify(text, awaiting=awaiting)

    async def act(self, state: AgentState, tools: Sequence[BaseTool]) -> AIMessage:
        """Plan the next tool calls among the offered tools."""
        calls = plan(state, [t.name for t in tools])
        return AIMessage(content="", tool_calls=calls)

    async def compose(self, state: AgentState, context: Context) -> list[OutboundMessage]:
        """Fill the reply templates with this turn's facts."""
        return compose_reply(state, context.store)
