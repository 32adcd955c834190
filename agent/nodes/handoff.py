"""`handoff`: give the conversation to a human department.

It opens a ticket, pauses the bot for this thread and records when the department works,
so the reply can say honestly when a person will answer. The photos the customer sent (of
a defect, a wrong item) and their voice notes' transcripts go on the ticket, so the team
sees the problem without asking for it again.
"""

from __future__ import annotations

import logging
from typing import Any

from langgraph.runtime import Runtime

from agent.context import Context
from agent.history import tool_results
from agent.state import AgentState, Handoff, Outcome
from tools.problems import PROBLEMS

logger = logging.getLogger(__name__)


def _evidence(state: AgentState) -> dict[str, Any]:
    """What the team should know without asking the customer again.

    The carrier's findings, the problem told, and the photos and voice notes (with their
    transcripts) the customer sent that no ticket holds yet.
    """
    evidence: dict[str, Any] = {}
    attachments = state.get("attachments") or []
    photos = [a["media_id"] for a in attachments if a.get("kind") == "photo"]
    if photos:
        evidence["photos"] = photos
    notes = [
        {"media_id": a.get("media_id", ""), "transcript": a.get("transcript", "")}
        for a in attachments
        if a.get("kind") == "voice_note"
    ]
    if notes:
        evidence["voice_notes"] = notes
    found = [r["problem"] for r in tool_results(state.get("messages", [])) if r.get("problem")]
    if found:
        evidence["delivery_problems"] = found
    problem = state.get("request", {}).get("problem")
    if problem:
        evidence["problem"] = problem
        evidence["priority"] = PROBLEMS[problem].priority
    return evidence


async def handoff(state: AgentState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Open a ticket for the routed department and switch the thread to human mode."""
    context = runtime.context
    reason = state.get("handoff_reason") or "unresolved"
    department = context.departments.department_for(reason)
    request = state.get("request", {})
    ticket = await context.tickets.open(
        department=department.key,
        reason=reason,
        sender_id=state["identity"]["sender_id"],
        order_number=request.get("order_number"),
        evidence=_evidence(state) or None,
    )
    logger.info(
        "handoff opened: ticket=%s department=%s reason=%s", ticket.id, department.key, reason
    )
    outcome = Outcome(**state.get("outcome", {}))
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
        "handoff_seen_at": None,
        "complaints": 0,
        "attachments": [],
        "outcome": outcome,
    }
