"""Live updates for the inbox: a server-sent event whenever a ticket the agent sees changes.

Every ticket event moves the ticket's activity score in Redis, so one `ZRANGE ... WITHSCORES`
a second shows every new ticket, message, reply, assignment, transfer and release, from any
process of the deployment, with no pub/sub (which Redis Cluster clients do not share). A
stream lasts `STREAM_SECONDS` and then ends; the browser's `EventSource` reconnects by
itself, so a stream never outlives a deploy or a revoked session for long.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from server.deps import DeskDep
from server.inbox_auth import Agent
from server.routes.inbox import ReaderDep
from server.ticket_actions import Desk

POLL_SECONDS = 1.0
STREAM_SECONDS = 30.0
RETRY_MS = 1000

router = APIRouter(prefix="/inbox", tags=["inbox"])


async def _visible_changes(
    desk: Desk, agent: Agent, before: dict[str, float], now: dict[str, float]
) -> list[str]:
    """Ids of tickets the agent may see that opened, moved or closed between two polls."""
    changed = [i for i, score in now.items() if before.get(i) != score]
    changed += [i for i in before if i not in now]
    visible = []
    for ticket_id in changed:
        ticket = await desk.tickets.get(ticket_id)
        if ticket is not None and agent.may_see(ticket.department):
            visible.append(ticket_id)
    return visible


async def _stream(request: Request, desk: Desk, agent: Agent) -> AsyncIterator[str]:
    stop: asyncio.Event = request.app.state.services.stop
    yield f"retry: {RETRY_MS}\nevent: ready\ndata: {{}}\n\n"
    seen = await desk.tickets.open_activity()
    loop = asyncio.get_running_loop()
    ends = loop.time() + STREAM_SECONDS
    while loop.time() < ends and not stop.is_set():
        await asyncio.sleep(POLL_SECONDS)
        if await request.is_disconnected():
            return
        now = await desk.tickets.open_activity()
        changed = await _visible_changes(desk, agent, seen, now)
        seen = now
        if changed:
            yield f"event: tickets\ndata: {json.dumps({'changed': changed})}\n\n"
        else:
            yield ": still here\n\n"


@router.get("/api/events")
async def events(request: Request, who: ReaderDep, desk: DeskDep) -> StreamingResponse:
    """`event: tickets` with `{"changed": [ids]}` whenever the agent's tickets change."""
    return StreamingResponse(
        _stream(request, desk, who.agent),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
