"""Draw the conversation graph as SVG for the playground, from the shared layout.

Each node is a `<g data-node>` and each edge a `<path data-edge="a->b">`, so the page can
light up the path of the last turn without any drawing library.
"""

from __future__ import annotations

from html import escape

from langchain_core.runnables.graph import Graph as RunnableGraph

from server.graph_layout import lay_out
from server.graph_png import BOX_FILL, CONDITIONAL_INK, INK, TERMINAL_FILL

RANK_GAP = 44
ACTIVE_INK = "#008069"


def _marker(marker_id: str, colour: str) -> str:
    return (
        f'<marker id="{marker_id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        f'fill="{colour}"/></marker>'
    )


def render_svg(graph: RunnableGraph) -> str:
    """Lay `graph` out like the PNG and write it as SVG; conditional edges are dashed."""
    layout = lay_out(graph, rank_gap=RANK_GAP)
    width, height = layout.width, layout.height
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-labelledby="graph-svg-title" '
        'font-family="system-ui, sans-serif" font-size="14">',
        '<title id="graph-svg-title">Grafo da conversa</title>',
        f"<defs>{_marker('arrow', INK)}{_marker('arrow-muted', CONDITIONAL_INK)}"
        f"{_marker('arrow-active', ACTIVE_INK)}</defs>",
        '<g class="edges" fill="none" stroke-width="2">',
    ]
    for edge in layout.edges:
        path = " L".join(f"{x:.1f},{y:.1f}" for x, y in edge.points)
        colour, marker = (CONDITIONAL_INK, "arrow-muted") if edge.conditional else (INK, "arrow")
        dash = ' stroke-dasharray="6 4"' if edge.conditional else ""
        kind = "edge conditional" if edge.conditional else "edge"
        parts.append(
            f'<path class="{kind}" data-edge="{escape(edge.source)}->{escape(edge.target)}" '
            f'd="M{path}" stroke="{colour}"{dash} marker-end="url(#{marker})"/>'
        )
    parts.append('</g><g class="nodes">')
    for node in layout.nodes:
        x, y, w, h = node.x, node.y, node.w, node.h
        parts.append(
            f'<g class="node{" terminal" if node.terminal else ""}" data-node="{escape(node.id)}">'
            f'<rect x="{x - w / 2:.1f}" y="{y - h / 2:.1f}" width="{w:.1f}" height="{h:.1f}" '
            f'rx="10" fill="{TERMINAL_FILL if node.terminal else BOX_FILL}" stroke="{INK}" '
            f'stroke-width="2"/><text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" '
            f'dominant-baseline="central" fill="{INK}">{escape(node.label)}</text></g>'
        )
    parts.append("</g></svg>")
    return "".join(parts)
