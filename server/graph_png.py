"""Draw the conversation graph as a PNG, offline.

LangChain's PNG renderers either call the mermaid.ink web service or need Graphviz or a
browser installed, none of which an offline machine can count on; so we lay the graph out
with grandalf (the library behind LangChain's ASCII drawing) and paint it with Pillow.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from grandalf.graphs import Edge, Graph, Vertex
from grandalf.layouts import SugiyamaLayout
from grandalf.routing import route_with_lines
from langchain_core.runnables.graph import Graph as RunnableGraph
from PIL import Image, ImageDraw, ImageFont

BOX_HEIGHT = 44
CHAR_WIDTH = 9
PADDING = 24
MARGIN = 40
BACKGROUND = "#ffffff"
BOX_FILL = "#e8f0fe"
TERMINAL_FILL = "#f1f3f4"
INK = "#1f2937"
CONDITIONAL_INK = "#6b7280"


@dataclass
class _BoxView:
    """The size grandalf needs per vertex; it writes the position back into `xy`."""

    w: float
    h: float
    xy: tuple[float, float] = (0.0, 0.0)


@dataclass
class _EdgeView:
    """Where grandalf writes an edge's routed polyline."""

    _pts: list[tuple[float, float]] | None = None

    def setpath(self, pts: list[tuple[float, float]]) -> None:
        """Receive the routed points from grandalf."""
        self._pts = pts


def _label(node_id: str) -> str:
    return node_id.strip("_") if node_id.startswith("__") else node_id


def _arrow_head(
    draw: ImageDraw.ImageDraw, tip: tuple[float, float], tail: tuple[float, float], colour: str
) -> None:
    (x1, y1), (x0, y0) = tip, tail
    length = max(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5, 1.0)
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    left = (x1 - 10 * ux + 5 * uy, y1 - 10 * uy - 5 * ux)
    right = (x1 - 10 * ux - 5 * uy, y1 - 10 * uy + 5 * ux)
    draw.polygon([tip, left, right], fill=colour)


def render_png(graph: RunnableGraph) -> bytes:
    """Lay out and paint `graph`; conditional edges are drawn grey."""
    vertices = {node_id: Vertex(node_id) for node_id in graph.nodes}
    for node_id, vertex in vertices.items():
        vertex.view = _BoxView(w=len(_label(node_id)) * CHAR_WIDTH + PADDING, h=BOX_HEIGHT)
    edges = []
    for edge in graph.edges:
        grandalf_edge = Edge(vertices[edge.source], vertices[edge.target], data=edge)
        grandalf_edge.view = _EdgeView()
        edges.append(grandalf_edge)
    layout_graph = Graph(list(vertices.values()), edges)
    component = layout_graph.C[0]
    roots = [v for v in component.sV if len(v.e_in()) == 0]
    layout = SugiyamaLayout(component)
    layout.init_all(roots=roots, optimize=True)
    layout.route_edge = route_with_lines
    layout.draw()

    xs = [v.view.xy[0] for v in vertices.values()]
    ys = [v.view.xy[1] for v in vertices.values()]
    half_w = max(v.view.w for v in vertices.values()) / 2
    width = int(max(xs) - min(xs) + 2 * (half_w + MARGIN))
    height = int(max(ys) - min(ys) + BOX_HEIGHT + 2 * MARGIN)
    dx, dy = half_w + MARGIN - min(xs), BOX_HEIGHT / 2 + MARGIN - min(ys)

    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=15)
    for grandalf_edge in edges:
        points = [(x + dx, y + dy) for x, y in (grandalf_edge.view._pts or [])]
        if len(points) < 2:
            continue
        colour = CONDITIONAL_INK if grandalf_edge.data.conditional else INK
        draw.line(points, fill=colour, width=2)
        _arrow_head(draw, points[-1], points[-2], colour)
    for node_id, vertex in vertices.items():
        x, y = vertex.view.xy[0] + dx, vertex.view.xy[1] + dy
        w, h = vertex.view.w, vertex.view.h
        fill = TERMINAL_FILL if node_id.startswith("__") else BOX_FILL
        draw.rounded_rectangle(
            (x - w / 2, y - h / 2, x + w / 2, y + h / 2), radius=10, fill=fill, outline=INK, width=2
        )
        draw.text((x, y), _label(node_id), fill=INK, font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
