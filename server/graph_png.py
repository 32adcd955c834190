"""Draw the conversation graph as a PNG, offline, from the shared layout."""

from __future__ import annotations

import io
import math

from langchain_core.runnables.graph import Graph as RunnableGraph
from PIL import Image, ImageDraw, ImageFont

from server.graph_layout import Point, lay_out

BACKGROUND = "#ffffff"
BOX_FILL = "#e8f0fe"
TERMINAL_FILL = "#f1f3f4"
INK = "#1f2937"
CONDITIONAL_INK = "#6b7280"


def _arrow_head(draw: ImageDraw.ImageDraw, tip: Point, tail: Point, colour: str) -> None:
    (x1, y1), (x0, y0) = tip, tail
    length = max(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5, 1.0)
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    left = (x1 - 10 * ux + 5 * uy, y1 - 10 * uy - 5 * ux)
    right = (x1 - 10 * ux - 5 * uy, y1 - 10 * uy + 5 * ux)
    draw.polygon([tip, left, right], fill=colour)


def render_png(graph: RunnableGraph) -> bytes:
    """Paint `graph`; conditional edges are drawn grey."""
    layout = lay_out(graph)
    image = Image.new("RGB", (math.ceil(layout.width), math.ceil(layout.height)), BACKGROUND)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=15)
    for edge in layout.edges:
        colour = CONDITIONAL_INK if edge.conditional else INK
        draw.line(edge.points, fill=colour, width=2)
        _arrow_head(draw, edge.points[-1], edge.points[-2], colour)
    for node in layout.nodes:
        box = (node.x - node.w / 2, node.y - node.h / 2, node.x + node.w / 2, node.y + node.h / 2)
        fill = TERMINAL_FILL if node.terminal else BOX_FILL
        draw.rounded_rectangle(box, radius=10, fill=fill, outline=INK, width=2)
        draw.text((node.x, node.y), node.label, fill=INK, font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
