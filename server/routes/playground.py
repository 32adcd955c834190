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
import math
from html import escape
from importlib.resources import files
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from grandalf.graphs import Edge, Graph, Vertex
from grandalf.layouts import SugiyamaLayout
from grandalf.routing import route_with_lines
from langchain_core.runnables.graph import Graph as RunnableGraph
from pydantic import BaseModel

from agent.graph import build_graph
from server.graph_png import (
    BOX_FILL,
    BOX_HEIGHT,
    CHAR_WIDTH,
    CONDITIONAL_INK,
    INK,
    MARGIN,
    PADDING,
    TERMINAL_FILL,
    _BoxView,
    _EdgeView,
    _label,
)

router = APIRouter(tags=["playground"])

DISPLAY_PHONE_NUMBER = "5511999990000"
BUSINESS_ACCOUNT_ID = "102290129340398"
WA_ID_PATTERN = r"^[0-9A-Za-z._-]{1,64}$"
RANK_GAP = 44
"""Vertical room between ranks; more than the PNG's, so edge directions read at page scale."""
TWIN_OFFSET = 7.0
"""How far apart a pair of opposite edges (act <-> tools) is drawn, so both stay visible."""
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


def _oriented(
    points: list[tuple[float, float]], source: tuple[float, float]
) -> list[tuple[float, float]]:
    """Start a polyline at its source: grandalf may return an edge reversed to break a cycle."""
    head, tail = points[0], points[-1]
    if math.dist(head, source) > math.dist(tail, source):
        return list(reversed(points))
    return list(points)


def _shifted(points: list[tuple[float, float]], offset: float) -> list[tuple[float, float]]:
    """Move a polyline sideways (to its right), so an edge and its twin do not overlap."""
    (x0, y0), (x1, y1) = points[0], points[-1]
    length = max(math.hypot(x1 - x0, y1 - y0), 1.0)
    nx, ny = -(y1 - y0) / length * offset, (x1 - x0) / length * offset
    return [(x + nx, y + ny) for x, y in points]


def _marker(marker_id: str, colour: str) -> str:
    return (
        f'<marker id="{marker_id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        f'fill="{colour}"/></marker>'
    )


def render_svg(graph: RunnableGraph) -> str:
    """Lay `graph` out like the PNG and write it as SVG; conditional edges are dashed."""
    vertices = {node_id: Vertex(node_id) for node_id in graph.nodes}
    for node_id, vertex in vertices.items():
        vertex.view = _BoxView(w=len(_label(node_id)) * CHAR_WIDTH + PADDING, h=BOX_HEIGHT)
    edges = []
    for edge in graph.edges:
        grandalf_edge = Edge(vertices[edge.source], vertices[edge.target], data=edge)
        grandalf_edge.view = _EdgeView()
        edges.append(grandalf_edge)
    layout_graph = Graph(list(vertices.values()), edges)
    for component in layout_graph.C:
        layout = SugiyamaLayout(component)
        layout.yspace = RANK_GAP
        layout.init_all(roots=[v for v in component.sV if len(v.e_in()) == 0], optimize=True)
        layout.route_edge = route_with_lines
        layout.draw()

    # Long edges bend through dummy points that may lie outside every box: bound both.
    bends = [point for e in edges for point in (e.view._pts or [])]
    boxes = [(v.view.xy, v.view.w / 2, v.view.h / 2) for v in vertices.values()]
    boxes += [(point, 0.0, 0.0) for point in bends]
    left = min(x - half for (x, _), half, _ in boxes) - MARGIN
    top = min(y - half for (_, y), _, half in boxes) - MARGIN
    width = max(x + half for (x, _), half, _ in boxes) + MARGIN - left
    height = max(y + half for (_, y), _, half in boxes) + MARGIN - top
    dx, dy = -left, -top
    pairs = {(e.source, e.target) for e in graph.edges}

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-labelledby="graph-svg-title" '
        'font-family="system-ui, sans-serif" font-size="14">',
        '<title id="graph-svg-title">Grafo da conversa</title>',
        f"<defs>{_marker('arrow', INK)}{_marker('arrow-muted', CONDITIONAL_INK)}"
        f"{_marker('arrow-active', '#008069')}</defs>",
        '<g class="edges" fill="none" stroke-width="2">',
    ]
    for grandalf_edge in edges:
        data = grandalf_edge.data
        source = vertices[data.source].view.xy
        points = _oriented(list(grandalf_edge.view._pts or []), source)
        if len(points) < 2:
            continue
        if (data.target, data.source) in pairs:
            points = _shifted(points, TWIN_OFFSET)
        path = " L".join(f"{x + dx:.1f},{y + dy:.1f}" for x, y in points)
        colour, marker = (CONDITIONAL_INK, "arrow-muted") if data.conditional else (INK, "arrow")
        dash = ' stroke-dasharray="6 4"' if data.conditional else ""
        kind = "edge conditional" if data.conditional else "edge"
        parts.append(
            f'<path class="{kind}" data-edge="{escape(data.source)}->{escape(data.target)}" '
            f'd="M{path}" stroke="{colour}"{dash} marker-end="url(#{marker})"/>'
        )
    parts.append('</g><g class="nodes">')
    for node_id, vertex in vertices.items():
        x, y = vertex.view.xy[0] + dx, vertex.view.xy[1] + dy
        w, h = vertex.view.w, vertex.view.h
        terminal = node_id.startswith("__")
        parts.append(
            f'<g class="node{" terminal" if terminal else ""}" data-node="{escape(node_id)}">'
            f'<rect x="{x - w / 2:.1f}" y="{y - h / 2:.1f}" width="{w:.1f}" height="{h:.1f}" '
            f'rx="10" fill="{TERMINAL_FILL if terminal else BOX_FILL}" stroke="{INK}" '
            f'stroke-width="2"/><text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" '
            f'dominant-baseline="central" fill="{INK}">{escape(_label(node_id))}</text></g>'
        )
    parts.append("</g></svg>")
    return "".join(parts)
