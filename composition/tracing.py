"""LangSmith tracing: on only when both the switch and a key are set, otherwise silent.

LangChain starts tracing whenever `LANGSMITH_TRACING` (or the older `LANGCHAIN_TRACING_V2`)
is true, even with no key, and then retries uploads that can only fail. Deciding here, once,
keeps an unconfigured deployment from ever opening a connection to LangSmith.
"""

from __future__ import annotations

import logging
import os
from collections.abc import MutableMapping

import langsmith

from composition.settings.model import ModelSettings

logger = logging.getLogger(__name__)

_SWITCHES = ("LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2", "LANGSMITH_TRACING_V2")


def configure_tracing(
    settings: ModelSettings, environ: MutableMapping[str, str] = os.environ
) -> bool:
    """Turn LangSmith tracing on or off for this process; returns whether it is on."""
    if settings.tracing_enabled:
        environ["LANGSMITH_TRACING"] = "true"
        langsmith.configure(enabled=True)
        return True
    requested = any(environ.get(name, "").strip().lower() == "true" for name in _SWITCHES)
    for name in _SWITCHES:
        environ.pop(name, None)
    langsmith.configure(enabled=False)
    if requested:
        logger.info("LangSmith tracing is off: LANGSMITH_API_KEY is not set")
    return False
