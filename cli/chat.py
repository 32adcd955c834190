"""`atendente chat`: talk to the agent in the terminal, as a customer on WhatsApp would.

Interactive on a terminal; with piped stdin it takes one customer message per line, which
makes scripted conversations and `--json` traces easy.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Annotated, Literal

import typer
from pydantic import ValidationError
from rich.console import Console

from agent.context import Context
from agent.graph import AgentGraph, build_graph
from agent.language.entities import normalize_phone
from agent.release import release_thread
from agent.state import Inbound
from agent.turn import TurnResult, run_turn
from cli.failure import CommandFailure
from cli.preflight import load_settings, require_templates
from composition.model import ModelNotConfiguredError
from composition.wiring import open_checkpointer, open_context
from integrations.redis.connection import RedisUnavailableError
from integrations.redis.embedded import EmbeddedRedisError
from integrations.redis.encryption import EncryptionKeyError

DEFAULT_SENDER = "+5511987654321"
BrainChoice = Literal["rules", "openai", "auto"]
QUIT = {"/sair", "/quit", "/exit"}
RELEASE = "/devolver"


def _print_turn(console: Console, result: TurnResult) -> None:
    for message in result.messages:
        console.print(f"[bold green]Atendente:[/] {message.get('text', '')}", highlight=False)
        titles = [button["title"] for button in message.get("buttons", [])]
        if titles:
            console.print("  " + "  ".join(f"[reverse] {t} [/]" for t in titles))
    if result.handoff and not result.messages:
        console.print(
            f"[dim](a conversa está com o time {result.handoff['department']}, protocolo "
            f"{result.handoff['ticket']}; o bot fica em silêncio. Digite {RELEASE} para "
            "devolver a conversa ao bot.)[/]"
        )


async def _chat(sender: str, fresh: bool, as_json: bool, brain: BrainChoice | None) -> None:
    phone = normalize_phone(sender)
    if phone is None:
        raise typer.BadParameter(f"not a Brazilian phone number: {sender!r}", param_hint="--as")
    sender_id = phone.lstrip("+")
    settings = load_settings()
    require_templates(settings)
    if brain is not None:
        settings = settings.model_copy(update={"brain": brain})
    interactive = sys.stdin.isatty() and not as_json
    console = Console()
    async with (
        open_checkpointer(settings) as checkpointer,
        open_context(settings, redis=checkpointer.client) as context,
    ):
        graph = build_graph(checkpointer)
        if fresh:
            await checkpointer.adelete_thread(sender_id)
        if interactive:
            console.print(
                f"[bold]Atendente[/] · você é {phone} · digite {RELEASE} para devolver uma "
                "conversa ao bot, /sair para sair"
            )
        await _loop(
            graph,
            context,
            Inbound(sender_id=sender_id, phone=phone),
            console,
            interactive=interactive,
            as_json=as_json,
        )


async def _loop(
    graph: AgentGraph,
    context: Context,
    sender: Inbound,
    console: Console,
    *,
    interactive: bool,
    as_json: bool,
) -> None:
    while True:
        line = _read(console, interactive)
        if line is None or (interactive and line.strip() in QUIT):
            return
        if interactive and line.strip() == RELEASE:
            ticket = await release_thread(graph, context, sender["sender_id"])
            console.print(
                f"[dim]{'protocolo ' + ticket + ' encerrado; ' if ticket else ''}"
                "o bot voltou a responder.[/]"
            )
            continue
        result = await run_turn(graph, context, Inbound(**sender, text=line))
        if as_json:
            typer.echo(json.dumps(result.as_json(), ensure_ascii=False))
        else:
            _print_turn(console, result)


def _read(console: Console, interactive: bool) -> str | None:
    """The next customer message, or None at the end of input."""
    try:
        if interactive:
            return console.input("[bold cyan]Você:[/] ")
        line = sys.stdin.readline()
    except (EOFError, KeyboardInterrupt):
        return None
    return line.rstrip("\r\n") if line else None


def chat(
    sender: Annotated[
        str, typer.Option("--as", help="The customer's WhatsApp phone number.")
    ] = DEFAULT_SENDER,
    fresh: Annotated[bool, typer.Option(help="Start a new conversation for this sender.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per customer message.")
    ] = False,
    brain: Annotated[
        BrainChoice | None,
        typer.Option(help="rules, openai or auto; overrides ATENDENTE_BRAIN."),
    ] = None,
) -> None:
    """Chat with the agent against the configured store (the demo store by default)."""
    try:
        asyncio.run(_chat(sender, fresh, as_json, brain))
    except (
        ModelNotConfiguredError,
        RedisUnavailableError,
        EmbeddedRedisError,
        EncryptionKeyError,
        ValidationError,
    ) as error:
        raise CommandFailure("atendente")(error, code=1) from None
