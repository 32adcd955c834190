"""How a command reports a failure it understands: one line on stderr, then an exit code.

The line starts with the command's name ("atendente eval record: ..."), so a message read
in a CI log or a cron mail says which command failed, and no traceback reaches the user.
"""

from __future__ import annotations

from dataclasses import dataclass

import typer


@dataclass(frozen=True, slots=True)
class CommandFailure:
    """The failures of one command, e.g. `CommandFailure("atendente eval")`."""

    command: str

    def __call__(self, message: object, code: int = 2) -> typer.Exit:
        """Print `message` after the command's name; return the exit for the caller to raise."""
        typer.echo(f"{self.command}: {message}", err=True)
        return typer.Exit(code)
