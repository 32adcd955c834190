"""The conversation graph laid out once, for every offline drawing (PNG and SVG).

LangChain's PNG renderers call the mermaid.ink web service or need Graphviz or a browser,
none of which an offline machine can count on; grandalf (the library behind LangChain's
ASCII drawing) gives the layered layout, and the renderers only paint it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from grandalf.graphs import Edge, Graph, Vertex
from grandalf.layouts import SugiyamaLayout
from grandalf.routing import route_with_lines
from langchain_core.runnables.graph import Graph as RunnableGraph

BOX_HEIGHT = 44
CHAR_WIDTH = 9
PADDING = 24
MARGIN = 40
TWIN_OFFSET = 7.0
"""How far apart an edge and its reverse twin (act <-> tools) are drawn."""

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class NodeBox:
    """A node's box: centre, size, and the label drawn in it."""

    id: str
    label: str
    x: float
    y: float
    w: float
    h: float

    @property
    def terminal(self) -> bool:
        """The start and end markers."""
        return self.id.startswith("__")


@dataclass(frozen=True, slots=True)
class EdgeLine:
    """An edge's polyline, from its source to its target."""

    source: str
    target: str
    conditional: bool
    points: list[Point]


@dataclass(frozen=True, slots=True)
class Layout:
    """Boxes and lines placed inside a `width` x `height` canvas, margins included."""

    width: float
    height: float
    nodes: list[NodeBox]
    edges: list[EdgeLine]


@dataclass
class _BoxView:
    """The size grandalf needs per vertex; it writes the position back into `xy`."""

    w: float
    h: float
    xy: Point = (0.0, 0.0)


@dataclass
class _EdgeView:
    """Where grandalf writes an edge's routed polyline."""

    _pts: list[Point] | None = None

    def setpath(self, pts: list[Point]) -> None:
        """Receive the routed points from grandalf."""
        self._pts = pts


def label(node_id: str) -> str:
    """`__start__` reads as `start`."""
    return node_id.strip("_") if node_id.startswith("__") else node_id


def _oriented(points: list[Point], source: Point) -> list[Point]:
    """Start a polyline at its source: grandalf may return an edge reversed to break a cycle."""
    if math.dist(points[0], source) > math.dist(points[-1], source):
        return list(reversed(points))
    return list(points)


def _shifted(points: list[Point], offset: float) -> list[Point]:
    """Move a polyline sideways (to its right), so an edge and its twin do not overlap."""
    (x0, y0), (x1, y1) = points[0], points[-1]
    length = max(math.hypot(x1 - x0, y1 - y0), 1.0)
    nx, ny = -(y1 - y0) / length * offset, (x1 - x0) / length * offset
    return [(x + nx, y + ny) for x, y in points]


def lay_out(graph: RunnableGraph, *, rank_gap: float | None = None) -> Layout:
    """Place every node and route every edge; the canvas bounds bends as well as boxes."""
    vertices = {node_id: Vertex(node_id) for node_id in graph.nodes}
    for node_id, vertex in vertices.items():
        vertex.view = _BoxView(w=len(label(node_id)) * CHAR_WIDTH + PADDING, h=BOX_HEIGHT)
    routed = []
    for edge in graph.edges:
        grandalf_edge = Edge(vertices[edge.source], vertices[edge.target], data=edge)
        grandalf_edge.view = _EdgeView()
        routed.append(grandalf_edge)
    for component in Graph(list(vertices.values()), routed).C:
        sugiyama = SugiyamaLayout(component)
        if rank_gap is not None:
            sugiyama.yspace = rank_gap
        sugiyama.init_all(roots=[v for v in component.sV if len(v.e_in()) == 0], optimize=True)
        sugiyama.route_edge = route_with_lines
        sugiyama.draw()

    pairs = {(e.source, e.target) for e in graph.edges}
    lines = []
    for grandalf_edge in routed:
        data = grandalf_edge.data
        points = list(grandalf_edge.view._pts or [])
        if len(points) < 2:
            continue
        points = _oriented(points, vertices[data.source].view.xy)
        if (data.target, data.source) in pairs:
            points = _shifted(points, TWIN_OFFSET)
        lines.append(EdgeLine(data.source, data.target, bool(data.conditional), points))

    extents = [(v.view.xy, v.view.w / 2, v.view.h / 2) for v in vertices.values()]
    extents += [(point, 0.0, 0.0) for line in lines for point in line.points]
    left = min(x - half for (x, _), half, _ in extents) - MARGIN
    top = min(y - half for (_, y), _, half in extents) - MARGIN
    right = max(x + half for (x, _), half, _ in extents) + MARGIN
    bottom = max(y + half for (_, y), _, half in extents) + MARGIN
    return Layout(
        width=right - left,
        height=bottom - top,
        nodes=[
            NodeBox(
                node_id, label(node_id), v.view.xy[0] - left, v.view.xy[1] - top, v.view.w, v.view.h
            )
            for node_id, v in vertices.items()
        ],
        edges=[
            EdgeLine(
                line.source,
                line.target,
                line.conditional,
                [(x - left, y - top) for x, y in line.points],
            )
            for line in lines
        ],
    )
