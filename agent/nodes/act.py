"""`act`: the brain chooses tool calls for this turn; `tools` runs them; bounded loop.

The tools a brain may see are narrowed to what the request's intents allow, and the loop
stops after `max_tool_rounds`, so no brain can spin or wander.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import Context
from agent.history import tool_results
from agent.state import AgentState
from agent.toolkit import tools_for
from tools.problems import PROBLEMS


def escalation(state: AgentState) -> str | None:
    """The handoff a request's problem demands even when no tool asks for one."""
    problem = state.get("request", {}).get("problem")
    if problem and PROBLEMS[problem].person_now:
        return PROBLEMS[problem].reason.value
    return None


def handoff_requested(state: AgentState) -> str | None:
    """The first handoff reason a tool returned this turn, if any."""
    for result in tool_results(state.get("messages", [])):
        reason = result.get("handoff")
        if isinstance(reason, str):
            return reason
    return None


async def act(state: AgentState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Ask the brain for the next tool calls, unless the round budget is spent."""
    rounds = int(state.get("tool_rounds") or 0)
    update: dict[str, Any] = {"handoff_reason": handoff_requested(state) or escalation(state)}
    if rounds >= runtime.context.limits.max_tool_rounds:
        return update
    intents = state.get("request", {}).get("intents", [])
    message = await runtime.context.brain.act(state, tools_for(intents))
    if message.tool_calls:
        update["messages"] = [message]
        update["tool_rounds"] = rounds + 1
    elif message.content:
        # A model that is done may already have written the answer; `reply` checks it.
        update["messages"] = [message]
    return update
