"""The `atendente` command line: chat with the agent, classify messages, draw the graph."""

from __future__ import annotations

import typer

from cli.chat import chat
from cli.classify import classify
from cli.eval import eval_app
from cli.eval_replies import replies
from cli.graph import graph
from cli.nlu import nlu_app
from cli.serve import serve
from cli.worker import worker

app = typer.Typer(
    name="atendente",
    help="Atendente: WhatsApp customer service for Nuvemshop stores.",
    no_args_is_help=True,
    add_completion=False,
)
app.command()(chat)
app.command()(classify)
app.command()(graph)
app.command()(serve)
app.command()(worker)
eval_app.command("replies")(replies)
app.add_typer(eval_app)
app.add_typer(nlu_app)
