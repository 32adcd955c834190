"""Admin API: the departments read, answer and give back the conversations handed to them.

The app that includes this router sets two attributes on `app.state`:

- `app.state.admin`: an `AdminAccess`. With no token the whole API answers 503, so a
  deployment that never configured `ATENDENTE_ADMIN_TOKEN` exposes nothing.
- `app.state.tickets`: the `RedisTicketStore` the handoff node writes to.

Every request is counted per client address in a Redis fixed window (429 with Retry-After
over the limit) before the bearer token is compared in constant time, so guessing the
token is as slow as the limit. Replies go out through the outbox like any bot message;
WhatsApp only carries free text inside the customer's 24 h window, so a reply outside it
is refused (409) rather than queued to fail.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request, status
from langchain_core.messages import BaseMessage
from pydantic import BaseModel, ConfigDict, Field

from agent.turn import thread_config
from server import rate_limit
from server.deps import DeskDep, GraphDep, RedisDep, SettingsDep, WindowDep
from server.inbox_auth import MIN_PASSWORD, AgentStore
from server.rate_limit import count, too_many
from server.signatures import same_secret
from server.ticket_actions import ADMIN_API, release, send_reply
from tools.departments import DEFAULT_DEPARTMENTS, Ticket
from tools.ticket_store import RedisTicketStore, TicketActivity

logger = logging.getLogger(__name__)

MAX_REPLY_CHARS = 4096


@dataclass(frozen=True, slots=True)
class AdminAccess:
    """Who may use the admin API and how often."""

    token: str | None
    """The bearer token; None turns the admin API off."""
    requests_per_minute: int = 60
    """Per client address, failed attempts included."""


class ReplyBody(BaseModel):
    """A department's message to the customer."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    text: str = Field(min_length=1, max_length=MAX_REPLY_CHARS)


def get_tickets(request: Request) -> RedisTicketStore:
    """The ticket store set on `app.state.tickets`."""
    tickets: RedisTicketStore = request.app.state.tickets
    return tickets


TicketsDep = Annotated[RedisTicketStore, Depends(get_tickets)]


async def authorize(request: Request, redis: RedisDep, settings: SettingsDep) -> None:
    """Refuse the request unless the admin API is on, under its limit and the token matches."""
    access: AdminAccess | None = getattr(request.app.state, "admin", None)
    if access is None or not access.token:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "admin API is disabled: set ATENDENTE_ADMIN_TOKEN to a long random secret",
        )
    # Wrong tokens are counted per client and valid ones against the token's own budget,
    # so a stranger's failed guesses never lock the store's staff out.
    client = request.client.host if request.client else "unknown"
    limit = access.requests_per_minute
    prefix = settings.redis_prefix
    failures, window, now = await count(redis, prefix, f"fail:{client}", add=False)
    if failures >= limit:
        raise too_many(window, now)
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not same_secret(given.strip(), access.token):
        await count(redis, prefix, f"fail:{client}", add=True)
        logger.warning("admin request refused: missing or wrong token")
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "invalid token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    await rate_limit.limit(redis, prefix, "token", limit)


router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(authorize)])


def _summary(ticket: Ticket, activity: TicketActivity | None) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "department": ticket.department,
        "reason": ticket.reason,
        "order_number": ticket.order_number,
        "wa_id": ticket.sender_id,
        "opened_at": ticket.opened_at.isoformat(),
        "last_activity": activity.last_activity.isoformat() if activity else None,
        "closed": ticket.closed,
        "closed_at": activity.closed_at.isoformat() if activity and activity.closed_at else None,
        "customer_messages": len(ticket.messages),
    }


def conversation_of(messages: list[BaseMessage]) -> list[dict[str, str]]:
    """The customer's and the bot's words, without tool calls and tool results."""
    return [
        {"from": "customer" if m.type == "human" else "bot", "text": str(m.text)}
        for m in messages
        if m.type in ("human", "ai") and m.text
    ]


TICKET_ID = re.compile(r"ATD-\d{1,12}")
"""What a ticket id looks like; anything else names another key (`ATD-00001:in`) or none."""


async def _ticket_or_404(tickets: RedisTicketStore, ticket_id: str) -> Ticket:
    if not TICKET_ID.fullmatch(ticket_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown ticket")
    ticket = await tickets.get(ticket_id)
    if ticket is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown ticket")
    return ticket


@router.get("/tickets")
async def list_tickets(tickets: TicketsDep, department: str | None = None) -> dict[str, Any]:
    """Open tickets, oldest first, of one department or of all."""
    if department is not None and department not in DEFAULT_DEPARTMENTS:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "unknown department")
    found = await tickets.list_open(department)
    return {"tickets": [_summary(t, await tickets.activity(t.id)) for t in found]}


@router.get("/tickets/{ticket_id}")
async def read_ticket(
    ticket_id: str, graph: GraphDep, window: WindowDep, tickets: TicketsDep
) -> dict[str, Any]:
    """A ticket, what the customer said since the handoff, and the conversation before it."""
    ticket = await _ticket_or_404(tickets, ticket_id)
    activity = await tickets.activity(ticket.id)
    state = (await graph.aget_state(thread_config(ticket.sender_id))).values
    return {
        "ticket": {
            **_summary(ticket, activity),
            "evidence": ticket.evidence,
            "messages": ticket.messages,
            "replies": [
                {"text": r.text, "at": r.at.isoformat()}
                for r in (activity.replies if activity else [])
            ],
        },
        "conversation": conversation_of(list(state.get("messages") or [])),
        "window_open": await window.is_open(ticket.sender_id),
    }


@router.post("/tickets/{ticket_id}/reply", status_code=status.HTTP_202_ACCEPTED)
async def reply(
    ticket_id: str,
    body: ReplyBody,
    desk: DeskDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    """Queue a department's message to the customer and record it on the ticket.

    The same `Idempotency-Key` sent twice queues the message once.
    """
    ticket = await _ticket_or_404(desk.tickets, ticket_id)
    message = {"type": "text", "text": body.text}
    entry = await send_reply(desk, ticket, message, by=ADMIN_API, idempotency_key=idempotency_key)
    return {"ticket": ticket.id, "queued": entry is not None, "entry": entry}


@router.post("/tickets/{ticket_id}/release")
async def release_route(ticket_id: str, desk: DeskDep) -> dict[str, Any]:
    """Close the ticket, tell the customer, and let the bot answer them again."""
    ticket = await _ticket_or_404(desk.tickets, ticket_id)
    return {"ticket": ticket.id, "released": await release(desk, ticket, by=ADMIN_API)}


class AgentBody(BaseModel):
    """An inbox agent as a store admin creates or replaces them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=80)
    department: str = Field(min_length=1, max_length=40)
    password: str = Field(min_length=MIN_PASSWORD, max_length=200)
    all_departments: bool = False


def _agents(request: Request) -> AgentStore:
    agents: AgentStore = request.app.state.inbox.agents
    return agents


AgentsDep = Annotated[AgentStore, Depends(_agents)]


@router.get("/agents")
async def list_agents(agents: AgentsDep) -> dict[str, Any]:
    """The inbox's agents (never their password hashes)."""
    return {"agents": [agent.public() for agent in await agents.all()]}


@router.put("/agents/{login}")
async def save_agent(login: str, body: AgentBody, agents: AgentsDep) -> dict[str, Any]:
    """Create an agent, or replace one (name, department, password)."""
    if body.department not in DEFAULT_DEPARTMENTS:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "unknown department")
    try:
        agent = await agents.save(
            login,
            name=body.name,
            department=body.department,
            password=body.password,
            all_departments=body.all_departments,
        )
    except ValueError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    return {"agent": agent.public()}


@router.delete("/agents/{login}")
async def remove_agent(login: str, agents: AgentsDep) -> dict[str, bool]:
    """Delete an agent; their sessions stop working at their next request."""
    if not await agents.remove(login):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown agent")
    return {"removed": True}
