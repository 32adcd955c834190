"""`atendente graph`: draw the conversation graph, offline."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from agent.graph import build_graph
from server.graph_png import render_png


class GraphFormat(StrEnum):
    """The drawings we can make without a network."""

    mermaid = "mermaid"
    ascii = "ascii"
    png = "png"


def graph(
    format: Annotated[GraphFormat, typer.Option("--format", "-f")] = GraphFormat.mermaid,
    out: Annotated[Path, typer.Option(help="Where the PNG goes.")] = Path("atendente-graph.png"),
) -> None:
    """Print the graph as Mermaid or ASCII, or write it as a PNG."""
    drawable = build_graph().get_graph()
    if format is GraphFormat.mermaid:
        typer.echo(drawable.draw_mermaid())
    elif format is GraphFormat.ascii:
        typer.echo(drawable.draw_ascii())
    else:
        out.write_bytes(render_png(drawable))
        typer.echo(f"wrote {out}")
