"""The `rules` brain: offline pt-BR understanding, a fixed tool plan and reply templates.

It needs no language model and no network, so it is the default without an API key, the
fast path for obvious turns and the fallback when a model fails. Understanding combines
the lexicon with the statistical model the project trains from its labelled messages.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import AIMessage
from langchain_core.tools import BaseTool

from agent.brains.rules.planner import plan
from agent.brains.rules.replies import compose_reply
from agent.nlu.model import UnderstandingModel
from agent.nlu.reader import understand
from agent.nlu.store import load_model
from agent.state import AgentState, Awaiting, OutboundMessage
from agent.store_profile import StoreProfile
from agent.understanding import Understanding


class RulesBrain:
    """Deterministic brain: same input, same understanding, tools and words."""

    name = "rules"

    def __init__(self, model: UnderstandingModel | None = None) -> None:
        """Use `model`, or the one trained from the shipped data (trained once if needed)."""
        self.model = model or load_model()

    async def understand(self, text: str, *, awaiting: Awaiting | None) -> Understanding:
        """Classify with the lexicon, the validated entity extractors and the trained model."""
        return understand(text, self.model, awaiting=awaiting)

    async def act(self, state: AgentState, tools: Sequence[BaseTool]) -> AIMessage:
        """Plan the next tool calls among the offered tools."""
        calls = plan(state, [t.name for t in tools])
        return AIMessage(content="", tool_calls=calls)

    async def compose(self, state: AgentState, store: StoreProfile) -> list[OutboundMessage]:
        """Fill the reply templates with this turn's facts."""
        return compose_reply(state, store)
