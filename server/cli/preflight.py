"""Checks a long-running command makes before it starts, so a bad setup fails in one line.

Without them a missing model key would surface as a startup traceback from deep inside
uvicorn's lifespan, which tells a store owner nothing.
"""

from __future__ import annotations

from agent.brains.openai.chat_model import ModelNotConfiguredError, build_chat_model
from agent.settings import Settings
from server.cli.failure import CommandFailure


def require_brain(settings: Settings) -> None:
    """Exit with a clear message when the chosen brain cannot run with these settings."""
    if settings.resolved_brain != "openai":
        return
    try:
        build_chat_model(settings)
    except ModelNotConfiguredError as error:
        raise CommandFailure("atendente")(error) from error
