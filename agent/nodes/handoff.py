"""`handoff`: give the conversation to a human department.

It opens a ticket, pauses the bot for this thread and records when the department works,
so the reply can say honestly when a person will answer.
"""

from __future__ import annotations

import logging
from typing import Any

from langgraph.runtime import Runtime

from agent.context import Context
from agent.history import tool_results
from agent.state import AgentState, Handoff

logger = logging.getLogger(__name__)


async def handoff(state: AgentState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Open a ticket for the routed department and switch the thread to human mode."""
    context = runtime.context
    reason = state.get("handoff_reason") or "unresolved"
    department = context.departments.department_for(reason)
    request = state.get("request", {})
    problems = [r["problem"] for r in tool_results(state.get("messages", [])) if r.get("problem")]
    ticket = await context.tickets.open(
        department=department.key,
        reason=reason,
        sender_id=state["identity"]["sender_id"],
        order_number=request.get("order_number"),
        evidence={"delivery_problems": problems} if problems else None,
    )
    logger.info(
        "handoff opened: ticket=%s department=%s reason=%s", ticket.id, department.key, reason
    )
    outcome = dict(state.get("outcome", {}))
    outcome["handoff"] = {
        "department": department.key,
        "label": department.label,
        "reason": reason,
        "open_now": department.hours.is_open(context.clock()),
        "hours": department.hours.description,
        "ticket": ticket.id,
    }
    return {
        "handoff": Handoff(department=department.key, ticket=ticket.id, reason=reason),
        "pending": None,
        "awaiting": None,
        "outcome": outcome,
    }
