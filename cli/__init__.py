"""The `atendente` command line: chat with the agent, classify messages, draw the graph."""

from __future__ import annotations

import typer
from pydantic import AliasChoices

from agent.nlu.store import MODEL_DIR_ENV
from cli.agents import agents_app
from cli.chat import chat
from cli.classify import classify
from cli.eval import eval_app
from cli.eval_replies import replies
from cli.graph import graph
from cli.nlu import nlu_app
from cli.serve import serve
from cli.templates import templates_app
from cli.worker import worker
from composition.settings import SYSTEMS, Settings


def configuration_help() -> str:
    """Every environment variable, by system, for the end of `atendente --help`."""
    lines = ["Configuration (environment or .env; the README's table says what each does):"]
    systems: list[tuple[str, list[str]]] = [
        (system.__name__.removesuffix("Settings"), list(system.model_fields)) for system in SYSTEMS
    ]
    owned = {field for _, fields in systems for field in fields}
    systems.append(("Deployment", [field for field in Settings.model_fields if field not in owned]))
    for name, fields in systems:
        names = [
            choice
            for field in fields
            for alias in [Settings.model_fields[field].validation_alias]
            if isinstance(alias, AliasChoices)
            for choice in alias.choices
            if isinstance(choice, str)
        ]
        if name == "Deployment":
            names.append(MODEL_DIR_ENV)
        lines.append(f"{name}: {', '.join(names)}")
    return "\n\n".join(lines)


app = typer.Typer(
    name="atendente",
    help="Atendente: WhatsApp customer service for Nuvemshop stores.",
    epilog=configuration_help(),
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
app.add_typer(templates_app)
app.add_typer(agents_app)
