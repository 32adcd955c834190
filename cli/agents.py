"""`atendente agents`: the store's admins add, list and remove the inbox's agents.

Agents live in the deployment's Redis (`REDIS_URL`, or the embedded server), so every
`serve` process signs in the same people. The password is asked for without echo (or read
from `ATENDENTE_AGENT_PASSWORD`, for scripts) and stored only as a scrypt hash.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from cli.failure import CommandFailure
from cli.preflight import load_settings
from integrations.redis.connection import open_redis
from server.inbox_auth import Agent, AgentStore
from tools.departments import DEFAULT_DEPARTMENTS

agents_app = typer.Typer(
    name="agents",
    help="The people who answer customers in the inbox (/inbox).",
    no_args_is_help=True,
)
_fail = CommandFailure("atendente agents")
PASSWORD_ENV = "ATENDENTE_AGENT_PASSWORD"
T = TypeVar("T")


def _with_agents(action: Callable[[AgentStore], Awaitable[T]]) -> T:
    settings = load_settings()

    async def run() -> T:
        async with open_redis(
            settings.redis_address, data_dir=settings.data_dir / "redis"
        ) as client:
            return await action(AgentStore(client, settings.redis_prefix))

    return asyncio.run(run())


@agents_app.command("add")
def add(
    login: Annotated[str, typer.Argument(help="How the agent signs in, e.g. julia.")],
    name: Annotated[str, typer.Option(help="The name customers and colleagues see.")],
    department: Annotated[str, typer.Option(help="financeiro, logistica, trocas or atendimento.")],
    all_departments: Annotated[
        bool, typer.Option("--all-departments", help="May read every department's tickets.")
    ] = False,
) -> None:
    """Create an agent, or replace one (a new password, name or department)."""
    if department not in DEFAULT_DEPARTMENTS:
        raise _fail(f"unknown department {department!r}: one of {', '.join(DEFAULT_DEPARTMENTS)}")
    password = os.environ.get(PASSWORD_ENV) or typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )

    async def save(agents: AgentStore) -> Agent:
        return await agents.save(
            login,
            name=name,
            department=department,
            password=password,
            all_departments=all_departments,
        )

    try:
        agent = _with_agents(save)
    except ValueError as error:
        raise _fail(error) from None
    typer.echo(f"agent {agent.login} ({agent.name}, {agent.department}) saved")


@agents_app.command("list")
def list_agents() -> None:
    """Every agent with their department."""
    agents = _with_agents(lambda store: store.all())
    table = Table(title="Inbox agents")
    for column in ("login", "name", "department", "all departments"):
        table.add_column(column)
    for agent in agents:
        table.add_row(
            agent.login, agent.name, agent.department, "yes" if agent.all_departments else ""
        )
    Console().print(table)


@agents_app.command("remove")
def remove(login: Annotated[str, typer.Argument(help="The agent's login.")]) -> None:
    """Delete an agent; their open sessions stop working at once."""
    if not _with_agents(lambda store: store.remove(login)):
        raise _fail(f"no agent {login!r}")
    typer.echo(f"agent {login} removed")
