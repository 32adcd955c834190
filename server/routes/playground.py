"""The developer playground: a WhatsApp-like page that drives the real webhook.

Mounted only in development with the offline Graph API, and answering only on this
machine (loopback clients; anyone else gets 404). The page sends what a demo customer
types to `/playground/api/send`, which builds Meta's webhook payload, signs it with the
app secret as Meta does and posts it to the app's own `/webhooks/whatsapp`, so a
developer's message takes the whole real path (signature, dedupe, stream, worker, graph)
while the secret never reaches the browser. The page then shows the conversation (both
sides, from the server, so every tab shows all of it), whether a person owns it (with a
release button that takes the inbox's own path), the demo customer's orders, and which
nodes the last turn visited, for the demo customers only.

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
from integrations.nuvemshop.demo.store import demo_orders
from server.deps import DeskDep
from server.graph_svg import render_svg
from server.signatures import hex_signature
from server.static_assets import asset_response, shipped
from server.ticket_actions import release
from tools.ticket_events import StaffMember


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
PLAYGROUND = StaffMember("playground", "Playground (desenvolvimento)")
"""Who releases a customer from the playground's button."""
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

    async def conversation(self, wa_id: str) -> list[dict[str, Any]]:
        """Both sides, oldest first, as `{from: customer|bot, type, text, at, ...}`."""
        ...

    async def note_typed(self, wa_id: str, text: str) -> None:
        """Keep what the customer wrote, for `conversation`."""
        ...

    async def handoff(self, wa_id: str) -> dict[str, Any] | None:
        """`{ticket, department, label}` while a person owns the conversation, else None."""
        ...

    async def last_turn(self, wa_id: str) -> dict[str, Any] | None:
        """The last turn for `wa_id` as `{path, intent, tools}`; None before the first."""
        ...


class Customer(BaseModel):
    """A demo customer the page can write as, with the orders they own."""

    name: str
    wa_id: str
    orders: list[str] = Field(default_factory=list)
    """Each order as the page lists it: '#1001 · pago · enviado'."""


class PlaygroundConfig(BaseModel):
    """What the page shows: the business number and the demo customers it can write as."""

    phone_number_id: str
    display_phone_number: str
    customers: list[Customer]
    inbox_url: str = "/inbox"


class ReleaseRequest(BaseModel):
    """Which demo customer goes back to the bot."""

    wa_id: str = Field(pattern=WA_ID_PATTERN)


STATUS_TEXTS = {
    "paid": "pago",
    "pending": "aguardando pagamento",
    "authorized": "pagamento autorizado",
    "refunded": "reembolsado",
    "voided": "cancelado",
    "shipped": "enviado",
    "unpacked": "em separação",
    "delivered": "entregue",
    "cancelled": "cancelado",
}


def _orders_of(wa_id: str) -> list[str]:
    """The demo store's orders whose contact phone is this customer's."""
    found = []
    for order in demo_orders():
        if str(order.get("contact_phone", "")).lstrip("+") != wa_id:
            continue
        facts = [
            STATUS_TEXTS.get(str(order.get(k)), str(order.get(k)))
            for k in ("payment_status", "shipping_status")
        ]
        if order.get("status") == "cancelled":
            facts = ["cancelado"]
        found.append(" · ".join([f"#{order['number']}", *facts]))
    return found


class Typed(BaseModel):
    """What a demo customer sends: a text, or a tap on a button or list row."""

    wa_id: str = Field(pattern=WA_ID_PATTERN)
    type: Literal["text", "interactive"]
    text: dict[str, str] | None = None
    interactive: dict[str, Any] | None = None
    context: dict[str, str] | None = None


DEMO_CUSTOMERS = tuple(
    Customer(name=name, wa_id=wa_id, orders=_orders_of(wa_id))
    for name, wa_id in (
        ("Ana", "5511987654321"),
        ("Bruno", "5521998765432"),
        ("Carla", "5531912345678"),
        ("Desconhecido", "5511900000000"),
    )
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
    """The page's stylesheet and scripts; only the files we ship, so no path is followed."""
    return shipped(name, ASSETS)


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
    await backend.note_typed(customer.wa_id, _shown(typed))
    return {"wa_id": customer.wa_id, "delivered": True}


def _shown(typed: Typed) -> str:
    """What the customer's own bubble shows: the text, or the title of what they tapped."""
    if typed.text is not None:
        return typed.text.get("body", "")
    for value in (typed.interactive or {}).values():
        if isinstance(value, dict) and "title" in value:
            return str(value["title"])
    return ""


@router.get("/playground/api/messages")
async def messages(backend: PlaygroundDep, wa_id: WaIdQuery) -> dict[str, Any]:
    """Both sides of a demo customer's conversation, oldest first, and any open handoff."""
    customer = demo_customer(wa_id)
    return {
        "wa_id": wa_id,
        "messages": await backend.conversation(customer.wa_id),
        "handoff": await backend.handoff(customer.wa_id),
    }


@router.post("/playground/api/release")
async def release_customer(
    backend: PlaygroundDep, body: ReleaseRequest, desk: DeskDep
) -> dict[str, Any]:
    """Give a handed-off demo customer back to the bot, through the inbox's own path."""
    customer = demo_customer(body.wa_id)
    handoff = await backend.handoff(customer.wa_id)
    ticket = await desk.tickets.get(handoff["ticket"]) if handoff else None
    if ticket is None:
        return {"wa_id": customer.wa_id, "released": False}
    released = await release(desk, ticket, by=PLAYGROUND)
    return {"wa_id": customer.wa_id, "ticket": ticket.id, "released": released}


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
