"""The store's own voice: its reply templates and its tone, for both brains.

ATENDENTE_REPLY_TEMPLATES and ATENDENTE_TONE_*.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from agent.store_voice.tone import Formality, Speaker
from composition.settings.base import SystemSettings, env_names


class VoiceSettings(SystemSettings):
    """The store's own voice: its reply templates and its tone, for both brains."""

    reply_templates: Path | None = Field(
        None, validation_alias=env_names("ATENDENTE_REPLY_TEMPLATES")
    )
    """A TOML file of the sentences the store rewrites (`agent/store_voice/pt_BR.toml` has
    every key); unset: the shipped sentences."""
    tone_speaker: Speaker = Field("eu", validation_alias=env_names("ATENDENTE_TONE_SPEAKER"))
    """`eu` (the assistant speaks for itself) or `a_gente` (it speaks for the store's team)."""
    tone_formality: Formality = Field(
        "informal", validation_alias=env_names("ATENDENTE_TONE_FORMALITY")
    )
    """`informal` ("Oi", "pra") or `formal` ("Olá", "para", no slang)."""
    tone_emoji: bool = Field(True, validation_alias=env_names("ATENDENTE_TONE_EMOJI"))
    """False takes every emoji out of the bot's replies, whichever brain wrote them."""
