"""`atendente templates sync`: the notices' WhatsApp templates, created where missing.

The templates live as files in `tools/message_templates/`; this submits the ones the
business account lacks for Meta's review and shows where each one stands. Without
WhatsApp credentials it runs against the offline Graph API, to show what it would do.
"""

from __future__ import annotations

import asyncio

import typer
from rich.console import Console
from rich.table import Table

from cli.failure import CommandFailure
from cli.preflight import load_settings
from composition.whatsapp import MissingBusinessAccount, build_template_client
from integrations.whatsapp.errors import WhatsAppError
from tools.notice_templates import SyncRow, notice_templates, staff_templates, sync_templates

templates_app = typer.Typer(
    name="templates",
    help="The WhatsApp templates the order notices use outside the 24 h window.",
    no_args_is_help=True,
)
_fail = CommandFailure("atendente templates sync")


@templates_app.command("sync")
def sync() -> None:
    """Create the notice templates the WhatsApp Business Account lacks; show each status."""
    settings = load_settings()
    try:
        client = build_template_client(settings)
    except MissingBusinessAccount as error:
        raise _fail(error) from None

    async def run() -> list[SyncRow]:
        async with client:
            templates = notice_templates() + staff_templates()
            return await sync_templates(client, templates, settings.automation_templates)

    try:
        rows = asyncio.run(run())
    except WhatsAppError as error:
        raise _fail(f"the Graph API refused: {type(error).__name__} (code {error.code})") from None
    table = Table(
        title="WhatsApp templates" + (" (offline Graph API)" if settings.uses_fake_whatsapp else "")
    )
    for column in ("template", "language", "status", "action"):
        table.add_column(column)
    for row in rows:
        action = "submitted for review" if row.created else "already there"
        if row.differs:
            action += "; its text differs from the file: edit it in WhatsApp Manager"
        table.add_row(row.name, row.language, row.status, action)
    Console().print(table)
