"""The staff inbox: agents sign in, read their department's tickets live, answer and release.

The page (`/inbox`, plain HTML, CSS and JS from `server/static`) talks to `/inbox/api/*`.
Every API call needs a session cookie (HttpOnly, SameSite=Strict, Secure off loopback);
every change also needs the session's CSRF token in `X-CSRF-Token`. An agent sees only
their department's tickets unless they may see all (a supervisor); another department's
ticket answers 404, as an unknown one does. Sign-in attempts are limited per client
address and per login, and a signed-in agent's requests per minute.

The app that includes this router sets `app.state.inbox` to an `InboxAccess`. Staff
actions take the same path as the admin API (`server.ticket_actions`).
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from agent.turn import thread_config
from composition.settings import Settings
from composition.wiring import departments
from server import rate_limit
from server.body import read_body
from server.deps import DeskDep, GraphDep, RedisDep, SettingsDep
from server.inbox_auth import Agent, AgentStore, ReadMarks, Session, SessionStore
from server.inbox_view import staff_name, summary, timeline
from server.rate_limit import count, too_many
from server.routes.admin import TICKET_ID, conversation_of
from server.services import Services
from server.signatures import same_secret
from server.static_assets import asset_response, shipped
from server.ticket_actions import Desk, release, send_media, send_reply
from tools.departments import Department, Ticket
from tools.notice_templates import NoticeTemplate, staff_templates

logger = logging.getLogger(__name__)

COOKIE = "atendente_inbox"
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_UPLOAD = 5 * 1024 * 1024
UPLOAD_TYPES = {"image/jpeg", "image/png", "application/pdf"}
ASSETS = ("inbox.html", "inbox.css", "inbox.js", "whatsapp-format.js")


@dataclass(frozen=True, slots=True)
class InboxAccess:
    """Who may use the inbox, how long they stay signed in, and how often they may ask."""

    agents: AgentStore
    sessions: SessionStore
    marks: ReadMarks
    departments: dict[str, Department]
    login_attempts_per_minute: int = 10
    requests_per_minute: int = 600


DEMO_AGENT = {
    "login": "demo",
    "name": "Júlia (demonstração)",
    "department": "atendimento",
    "password": "demo-atendente",
}
"""Created in development with the offline parts when no agent exists, so `make run` has
someone to sign in as; production never creates it."""


async def open_access(settings: Settings, services: Services) -> InboxAccess:
    """The inbox of a running service; in development, with a demo agent if none exists."""
    prefix = settings.redis_prefix
    redis = services.redis
    access = InboxAccess(
        agents=AgentStore(redis, prefix),
        sessions=SessionStore(redis, prefix, timedelta(hours=settings.inbox_session_hours)),
        marks=ReadMarks(redis, prefix, timedelta(days=settings.conversation_ttl_days)),
        departments=departments(settings),
        login_attempts_per_minute=settings.inbox_login_attempts_per_minute,
        requests_per_minute=settings.inbox_requests_per_minute,
    )
    if settings.serves_playground and not await access.agents.all():
        demo = dict(DEMO_AGENT)
        await access.agents.save(demo.pop("login"), all_departments=True, **demo)
    return access


def get_access(request: Request) -> InboxAccess:
    """The inbox the app set on `app.state.inbox`."""
    access: InboxAccess = request.app.state.inbox
    return access


AccessDep = Annotated[InboxAccess, Depends(get_access)]


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _on_loopback(request: Request) -> bool:
    host = (request.url.hostname or "").strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The agent behind a request and their session."""

    agent: Agent
    session: Session


async def signed_in(
    request: Request, access: AccessDep, redis: RedisDep, settings: SettingsDep
) -> SignedIn:
    """401 without a live session of an existing agent; 429 past the agent's request budget."""
    token = request.cookies.get(COOKIE, "")
    session = await access.sessions.get(token)
    agent = await access.agents.get(session.login) if session else None
    if session is None or agent is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in first")
    await rate_limit.limit(
        redis, settings.redis_prefix, f"inbox:{agent.login}", access.requests_per_minute
    )
    return SignedIn(agent, session)


async def changing(request: Request, who: Annotated[SignedIn, Depends(signed_in)]) -> SignedIn:
    """`signed_in`, plus the session's CSRF token, which another site's page cannot read."""
    given = request.headers.get("x-csrf-token", "")
    if not given or not same_secret(given, who.session.csrf):
        logger.warning("inbox change refused: missing or wrong CSRF token")
        raise HTTPException(status.HTTP_403_FORBIDDEN, "missing or wrong CSRF token")
    return who


ReaderDep = Annotated[SignedIn, Depends(signed_in)]
ChangerDep = Annotated[SignedIn, Depends(changing)]

router = APIRouter(prefix="/inbox", tags=["inbox"])


class SignIn(BaseModel):
    """An agent's credentials."""

    model_config = ConfigDict(extra="forbid")
    login: str = Field(min_length=1, max_length=40)
    password: str = Field(min_length=1, max_length=200)


class Text(BaseModel):
    """A reply or a note."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    text: str = Field(min_length=1, max_length=MAX_TEXT)


class TemplateChoice(BaseModel):
    """An approved template to send outside the 24 h window."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=512)


class Assignment(BaseModel):
    """Who takes the ticket."""

    model_config = ConfigDict(extra="forbid")
    login: str = Field(min_length=1, max_length=40)


class Transfer(BaseModel):
    """Where the ticket goes."""

    model_config = ConfigDict(extra="forbid")
    department: str = Field(min_length=1, max_length=40)


@router.get("", include_in_schema=False)
async def page() -> Response:
    """The inbox page; it asks `/inbox/api/me` whether to show the sign-in form."""
    return asset_response("inbox.html")


@router.get("/static/{name}", include_in_schema=False)
async def asset(name: str) -> Response:
    """The page's stylesheet and scripts; only the files we ship."""
    return shipped(name, ASSETS)


@router.post("/api/session")
async def sign_in(
    body: SignIn,
    request: Request,
    response: Response,
    access: AccessDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Check the credentials and set the session cookie; the page keeps the CSRF token."""
    prefix = settings.redis_prefix
    limit = access.login_attempts_per_minute
    for bucket in (f"inbox-login:{_client(request)}", f"inbox-login-as:{body.login.lower()}"):
        used, window, now = await count(redis, prefix, bucket, add=True)
        if used > limit:
            raise too_many(window, now)
    agent = await access.agents.authenticate(body.login.lower(), body.password)
    if agent is None:
        logger.warning("inbox sign-in refused")
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "login ou senha incorretos")
    token, session = await access.sessions.create(agent)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(access.sessions.ttl.total_seconds()),
        path=_cookie_path(request),
        httponly=True,
        samesite="strict",
        secure=not _on_loopback(request),
    )
    logger.info("inbox: %s signed in", agent.login)
    return {"agent": agent.public(), "csrf": session.csrf}


def _cookie_path(request: Request) -> str:
    """The inbox's path where it is mounted, so one store's session is not sent to another's."""
    return f"{request.scope.get('root_path', '')}/inbox"


@router.delete("/api/session")
async def sign_out(
    request: Request, response: Response, access: AccessDep, who: ChangerDep
) -> dict[str, bool]:
    """End the session now, on this device."""
    await access.sessions.end(request.cookies.get(COOKIE, ""))
    response.delete_cookie(COOKIE, path=_cookie_path(request))
    return {"signed_out": True}


def _department(key: str, department: Department, desk: Desk) -> dict[str, Any]:
    now = desk.turn.context.clock()
    return {
        "key": key,
        "label": staff_name(key),
        "hours": department.hours.description,
        "open_now": department.hours.is_open(now),
    }


@router.get("/api/me")
async def me(who: ReaderDep, access: AccessDep, desk: DeskDep) -> dict[str, Any]:
    """The agent, their CSRF token, and the departments with their hours right now."""
    return {
        "agent": who.agent.public(),
        "csrf": who.session.csrf,
        "departments": [_department(k, d, desk) for k, d in access.departments.items()],
    }


async def _visible(desk: Desk, agent: Agent, ticket_id: str) -> Ticket:
    """The ticket if the agent may see it; 404 otherwise, as for an unknown one."""
    ticket = await desk.tickets.get(ticket_id) if TICKET_ID.fullmatch(ticket_id) else None
    if ticket is None or not agent.may_see(ticket.department):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown ticket")
    return ticket


@router.get("/api/tickets")
async def list_tickets(
    who: ReaderDep,
    access: AccessDep,
    desk: DeskDep,
    department: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    """The open tickets the agent may see, oldest first, with unread counts."""
    if department is not None and not who.agent.may_see(department):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown department")
    found = await desk.tickets.list_open(department)
    marks = await access.marks.read(who.agent.login)
    activity = await desk.tickets.open_activity()
    return {
        "tickets": [
            summary(
                t,
                departments=access.departments,
                last_activity=_iso(activity.get(t.id)),
                seen=marks.get(t.id, 0),
            )
            for t in found
            if who.agent.may_see(t.department)
        ]
    }


def _iso(timestamp: float | None) -> str | None:
    return datetime.fromtimestamp(timestamp, UTC).isoformat() if timestamp else None


def _templates(ticket: Ticket, agent: Agent) -> list[dict[str, str]]:
    def preview(template: NoticeTemplate) -> str:
        return template.body.replace("{{1}}", agent.name).replace("{{2}}", ticket.id)

    return [{"name": t.name, "preview": preview(t)} for t in staff_templates()]


@router.get("/api/tickets/{ticket_id}")
async def read_ticket(
    ticket_id: str, who: ReaderDep, access: AccessDep, desk: DeskDep, graph: GraphDep
) -> dict[str, Any]:
    """The ticket and its conversation as one timeline; reading it clears its unread count."""
    ticket = await _visible(desk, who.agent, ticket_id)
    state = (await graph.aget_state(thread_config(ticket.sender_id))).values
    events = await desk.tickets.timeline(ticket.id)
    await access.marks.mark(who.agent.login, ticket.id, len(ticket.messages))
    colleagues = [a.public() for a in await access.agents.all() if a.may_see(ticket.department)]
    line = summary(ticket, departments=access.departments, last_activity=None, seen=0)
    return {
        "ticket": {**line, "evidence": ticket.evidence, "closed": ticket.closed, "unread": 0},
        "timeline": timeline(conversation_of(list(state.get("messages") or [])), events),
        "window_open": await desk.window.is_open(ticket.sender_id),
        "templates": _templates(ticket, who.agent),
        "agents": colleagues,
    }


@router.post("/api/tickets/{ticket_id}/reply", status_code=status.HTTP_202_ACCEPTED)
async def reply(ticket_id: str, body: Text, who: ChangerDep, desk: DeskDep) -> dict[str, Any]:
    """Send the customer a text as this agent."""
    ticket = await _visible(desk, who.agent, ticket_id)
    message = {"type": "text", "text": body.text}
    entry = await send_reply(desk, ticket, message, by=who.agent.member)
    return {"ticket": ticket.id, "queued": entry is not None}


@router.post("/api/tickets/{ticket_id}/template", status_code=status.HTTP_202_ACCEPTED)
async def send_template(
    ticket_id: str, body: TemplateChoice, who: ChangerDep, desk: DeskDep
) -> dict[str, Any]:
    """Send an approved template: the only message WhatsApp carries outside the window."""
    ticket = await _visible(desk, who.agent, ticket_id)
    chosen = next((t for t in staff_templates() if t.name == body.name), None)
    if chosen is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "unknown template")
    parameters = [who.agent.name, ticket.id]
    text = chosen.body.replace("{{1}}", parameters[0]).replace("{{2}}", parameters[1])
    template = {"name": chosen.name, "language": chosen.language, "parameters": parameters}
    message = {"type": "template", "text": text, "template": template}
    details = {"template": chosen.name}
    entry = await send_reply(desk, ticket, message, by=who.agent.member, details=details)
    return {"ticket": ticket.id, "queued": entry is not None}


@router.post("/api/tickets/{ticket_id}/attachment", status_code=status.HTTP_202_ACCEPTED)
async def attach(
    ticket_id: str,
    request: Request,
    who: ChangerDep,
    desk: DeskDep,
    filename: Annotated[str, Query(min_length=1, max_length=120)],
    caption: Annotated[str, Query(max_length=MAX_CAPTION)] = "",
) -> dict[str, Any]:
    """Send a photo (JPEG, PNG) or a PDF, the file itself as the request body."""
    ticket = await _visible(desk, who.agent, ticket_id)
    mime_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if mime_type not in UPLOAD_TYPES:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "send a JPEG or PNG photo, or a PDF"
        )
    content = await read_body(request, MAX_UPLOAD)
    if not content:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "the file is empty")
    entry = await send_media(
        desk,
        ticket,
        content,
        mime_type=mime_type,
        filename=filename.replace("/", "_").replace("\\", "_"),
        caption=caption.strip(),
        by=who.agent.member,
    )
    return {"ticket": ticket.id, "queued": entry is not None}


@router.post("/api/tickets/{ticket_id}/note")
async def note(ticket_id: str, body: Text, who: ChangerDep, desk: DeskDep) -> dict[str, Any]:
    """Add an internal note; the customer never sees it."""
    ticket = await _visible(desk, who.agent, ticket_id)
    if not await desk.tickets.note(ticket.id, body.text, by=who.agent.member):
        raise HTTPException(status.HTTP_409_CONFLICT, "ticket is closed")
    return {"ticket": ticket.id, "noted": True}


@router.post("/api/tickets/{ticket_id}/assign")
async def assign(
    ticket_id: str, body: Assignment, who: ChangerDep, access: AccessDep, desk: DeskDep
) -> dict[str, Any]:
    """Give the ticket to an agent who may see its department (oneself included)."""
    ticket = await _visible(desk, who.agent, ticket_id)
    assignee = await access.agents.get(body.login)
    if assignee is None or not assignee.may_see(ticket.department):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "no such agent here")
    if not await desk.tickets.assign(ticket.id, assignee.member, by=who.agent.member):
        raise HTTPException(status.HTTP_409_CONFLICT, "ticket is closed")
    return {"ticket": ticket.id, "assignee": assignee.public()}


@router.post("/api/tickets/{ticket_id}/transfer")
async def transfer(
    ticket_id: str, body: Transfer, who: ChangerDep, access: AccessDep, desk: DeskDep
) -> dict[str, Any]:
    """Move the ticket to another department, unassigned."""
    ticket = await _visible(desk, who.agent, ticket_id)
    if body.department not in access.departments:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "unknown department")
    moved = await desk.tickets.transfer(ticket.id, body.department, by=who.agent.member)
    if not moved:
        raise HTTPException(status.HTTP_409_CONFLICT, "ticket is closed or already there")
    return {"ticket": ticket.id, "department": body.department}


@router.post("/api/tickets/{ticket_id}/release")
async def release_route(ticket_id: str, who: ChangerDep, desk: DeskDep) -> dict[str, Any]:
    """Give the customer back to the bot; they are told in one short message."""
    ticket = await _visible(desk, who.agent, ticket_id)
    return {"ticket": ticket.id, "released": await release(desk, ticket, by=who.agent.member)}
