"""The developer playground: a WhatsApp-like page that drives the real webhook.

Mounted only in development. The page signs each webhook with the app secret exactly as
Meta does, so a developer's message takes the whole real path (signature, dedupe, stream,
worker, graph); it then shows what the bot sent and which nodes the last turn visited.

The app that includes this router sets `app.state.playground` to a `PlaygroundBackend`.
The graph is drawn here as SVG with the same grandalf layout as the PNG, so the page can
highlight nodes without a JavaScript library or a network.
"""

from __future__ import annotations

import functools
from importlib.resources import files
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from pydantic import BaseModel

from agent.graph import build_graph
from server.graph_svg import render_svg

router = APIRouter(tags=["playground"])

DISPLAY_PHONE_NUMBER = "5511999990000"
BUSINESS_ACCOUNT_ID = "102290129340398"
WA_ID_PATTERN = r"^[0-9A-Za-z._-]{1,64}$"
ASSETS = {
    "playground.html": "text/html; charset=utf-8",
    "playground.css": "text/css; charset=utf-8",
    "playground.js": "text/javascript; charset=utf-8",
}
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
"""The page loads nothing from outside the app; the browser enforces it."""


class PlaygroundBackend(Protocol):
    """What the app tells the playground: the dev WhatsApp identity and what the bot did."""

    @property
    def app_secret(self) -> str:
        """The development app secret; the page signs webhooks with it like Meta."""
        ...

    @property
    def phone_number_id(self) -> str:
        """The business number the fake Graph API answers as."""
        ...

    async def sent(self, wa_id: str) -> list[dict[str, Any]]:
        """Messages the bot sent to `wa_id`, oldest first, as `{type, text, at, ...}`."""
        ...

    async def last_turn(self, wa_id: str) -> dict[str, Any] | None:
        """The last turn for `wa_id` as `{path, intent, tools}`; None before the first."""
        ...


class Customer(BaseModel):
    """A demo customer the page can write as."""

    name: str
    wa_id: str


class PlaygroundConfig(BaseModel):
    """Everything the page needs to build and sign Meta's webhook payload."""

    phone_number_id: str
    display_phone_number: str
    business_account_id: str
    app_secret: str
    customers: list[Customer]


DEMO_CUSTOMERS = (
    Customer(name="Ana", wa_id="5511987654321"),
    Customer(name="Bruno", wa_id="5521998765432"),
    Customer(name="Carla", wa_id="5531912345678"),
    Customer(name="Desconhecido", wa_id="5511900000000"),
)
"""The demo store's customers, plus a number that owns no order."""


def get_playground(request: Request) -> PlaygroundBackend:
    """The backend the app set; 503 when it set none, so the page can say so."""
    backend: PlaygroundBackend | None = getattr(request.app.state, "playground", None)
    if backend is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "playground not configured")
    return backend


PlaygroundDep = Annotated[PlaygroundBackend, Depends(get_playground)]
WaIdQuery = Annotated[str, Query(pattern=WA_ID_PATTERN)]


def _asset(name: str) -> Response:
    body = files("server").joinpath("static", name).read_bytes()
    headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    if name.endswith(".html"):
        headers["Content-Security-Policy"] = PAGE_POLICY
    return Response(body, media_type=ASSETS[name], headers=headers)


@router.get("/", include_in_schema=False)
async def page() -> Response:
    """The chat page."""
    return _asset("playground.html")


@router.get("/playground/static/{name}", include_in_schema=False)
async def asset(name: str) -> Response:
    """The page's stylesheet and script; only the files we ship, so no path is followed."""
    if name not in ASSETS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such asset")
    return _asset(name)


@router.get("/playground/api/config")
async def config(backend: PlaygroundDep) -> PlaygroundConfig:
    """The dev identity and demo customers; the secret is here because only dev mounts this."""
    return PlaygroundConfig(
        phone_number_id=backend.phone_number_id,
        display_phone_number=DISPLAY_PHONE_NUMBER,
        business_account_id=BUSINESS_ACCOUNT_ID,
        app_secret=backend.app_secret,
        customers=list(DEMO_CUSTOMERS),
    )


@router.get("/playground/api/messages")
async def messages(backend: PlaygroundDep, wa_id: WaIdQuery) -> dict[str, Any]:
    """What the bot sent to `wa_id`, oldest first."""
    return {"wa_id": wa_id, "messages": await backend.sent(wa_id)}


@router.get("/playground/api/turn")
async def turn(backend: PlaygroundDep, wa_id: WaIdQuery) -> dict[str, Any]:
    """The path, intent and tool calls of the last turn for `wa_id` (null before one)."""
    return {"wa_id": wa_id, "turn": await backend.last_turn(wa_id)}


@router.get("/playground/graph.svg", include_in_schema=False)
async def graph_svg() -> Response:
    """The conversation graph, one `<g data-node>` per node for the page to highlight."""
    return Response(_conversation_svg(), media_type="image/svg+xml")


@functools.cache
def _conversation_svg() -> str:
    return render_svg(build_graph().get_graph())
