"""The developer playground: a WhatsApp-like page that drives the real webhook.

Mounted only in development with the offline Graph API, and answering only on this
machine (loopback clients; anyone else gets 404). The page sends what a demo customer
types to `/playground/api/send`, which builds Meta's webhook payload, signs it with the
app secret as Meta does and posts it to the app's own `/webhooks/whatsapp`, so a
developer's message takes the whole real path (signature, dedupe, stream, worker, graph)
while the secret never reaches the browser. The page then shows what the bot sent and
which nodes the last turn visited, for the demo customers only.

The app that includes this router sets `app.state.playground` to a `PlaygroundBackend`.
The graph is drawn here as SVG with the same grandalf layout as the PNG, so the page can
highlight nodes without a JavaScript library or a network.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import secrets
import time
from typing import Annotated, Any, Literal, Protocol

import httpx
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, Field

from agent.graph import build_graph
from server.graph_svg import render_svg
from server.signatures import hex_signature
from server.static_assets import asset_response


def this_machine_only(request: Request) -> None:
    """404 for anyone but a loopback client: the playground speaks as any demo customer."""
    host = request.client.host if request.client else ""
    try:
        local = ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    if not local:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "the playground answers only locally")


router = APIRouter(tags=["playground"], dependencies=[Depends(this_machine_only)])

DISPLAY_PHONE_NUMBER = "5511999990000"
BUSINESS_ACCOUNT_ID = "102290129340398"
WA_ID_PATTERN = r"^[0-9A-Za-z._-]{1,64}$"
ASSETS = ("playground.html", "playground.css", "playground.js", "whatsapp-format.js")


class PlaygroundBackend(Protocol):
    """What the app tells the playground: the dev WhatsApp identity and what the bot did."""

    @property
    def app_secret(self) -> str:
        """The app secret the webhook checks; the playground signs with it, server-side."""
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
    """What the page shows: the business number and the demo customers it can write as."""

    phone_number_id: str
    display_phone_number: str
    customers: list[Customer]


class Typed(BaseModel):
    """What a demo customer sends: a text, or a tap on a button or list row."""

    wa_id: str = Field(pattern=WA_ID_PATTERN)
    type: Literal["text", "interactive"]
    text: dict[str, str] | None = None
    interactive: dict[str, Any] | None = None
    context: dict[str, str] | None = None


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


def demo_customer(wa_id: str) -> Customer:
    """One of the demo customers; 404 for anyone else's number."""
    found = next((c for c in DEMO_CUSTOMERS if c.wa_id == wa_id), None)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "not a demo customer")
    return found


def webhook_payload(phone_number_id: str, customer: Customer, typed: Typed) -> dict[str, Any]:
    """Meta's `messages` webhook for what the customer typed."""
    message: dict[str, Any] = {
        "from": customer.wa_id,
        "id": f"wamid.{secrets.token_hex(15)}",
        "timestamp": str(int(time.time())),
        "type": typed.type,
    }
    for part in ("text", "interactive", "context"):
        value = getattr(typed, part)
        if value is not None:
            message[part] = value
    value = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": DISPLAY_PHONE_NUMBER,
            "phone_number_id": phone_number_id,
        },
        "contacts": [{"profile": {"name": customer.name}, "wa_id": customer.wa_id}],
        "messages": [message],
    }
    change = {"field": "messages", "value": value}
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": BUSINESS_ACCOUNT_ID, "changes": [change]}],
    }


@router.get("/", include_in_schema=False)
async def page() -> Response:
    """The chat page."""
    return asset_response("playground.html")


@router.get("/playground/static/{name}", include_in_schema=False)
async def asset(name: str) -> Response:
    """The page's stylesheet and script; only the files we ship, so no path is followed."""
    if name not in ASSETS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such asset")
    return asset_response(name)


@router.get("/playground/api/config")
async def config(backend: PlaygroundDep) -> PlaygroundConfig:
    """The business number and the demo customers (never the app secret)."""
    return PlaygroundConfig(
        phone_number_id=backend.phone_number_id,
        display_phone_number=DISPLAY_PHONE_NUMBER,
        customers=list(DEMO_CUSTOMERS),
    )


@router.post("/playground/api/send")
async def send(backend: PlaygroundDep, typed: Typed, request: Request) -> dict[str, Any]:
    """Deliver what a demo customer typed through the app's own signed webhook."""
    customer = demo_customer(typed.wa_id)
    body = json.dumps(webhook_payload(backend.phone_number_id, customer, typed)).encode()
    headers = {
        "content-type": "application/json",
        "x-hub-signature-256": "sha256=" + hex_signature(backend.app_secret, body),
    }
    transport = httpx.ASGITransport(app=request.app, client=("127.0.0.1", 0))
    async with httpx.AsyncClient(transport=transport, base_url="http://playground") as client:
        reply = await client.post("/webhooks/whatsapp", content=body, headers=headers)
    if not reply.is_success:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, f"webhook answered {reply.status_code}")
    return {"wa_id": customer.wa_id, "delivered": True}


@router.get("/playground/api/messages")
async def messages(backend: PlaygroundDep, wa_id: WaIdQuery) -> dict[str, Any]:
    """What the bot sent to a demo customer, oldest first."""
    return {"wa_id": wa_id, "messages": await backend.sent(demo_customer(wa_id).wa_id)}


@router.get("/playground/api/turn")
async def turn(backend: PlaygroundDep, wa_id: WaIdQuery) -> dict[str, Any]:
    """The path, intent and tool calls of a demo customer's last turn (null before one)."""
    return {"wa_id": wa_id, "turn": await backend.last_turn(demo_customer(wa_id).wa_id)}


@router.get("/playground/graph.svg", include_in_schema=False)
async def graph_svg() -> Response:
    """The conversation graph, one `<g data-node>` per node for the page to highlight."""
    return Response(_conversation_svg(), media_type="image/svg+xml")


@functools.cache
def _conversation_svg() -> str:
    return render_svg(build_graph().get_graph())
