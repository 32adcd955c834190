"""Bounds on one conversation: tool rounds, message length, identity attempts, history.

ATENDENTE_*.
"""

from __future__ import annotations

from pydantic import Field

from composition.settings.base import SystemSettings, env_names


class ConversationSettings(SystemSettings):
    """Bounds on one conversation: tool rounds, message length, identity attempts, history."""

    max_tool_rounds: int = Field(
        4, ge=1, le=10, validation_alias=env_names("ATENDENTE_MAX_TOOL_ROUNDS")
    )
    max_inbound_chars: int = Field(
        2000, ge=100, validation_alias=env_names("ATENDENTE_MAX_INBOUND_CHARS")
    )
    identity_attempts: int = Field(
        3, ge=1, validation_alias=env_names("ATENDENTE_IDENTITY_ATTEMPTS")
    )
    history_turns: int = Field(10, ge=2, validation_alias=env_names("ATENDENTE_HISTORY_TURNS"))
