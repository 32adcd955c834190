"""Voice notes: whether they are transcribed, and by which model.

ATENDENTE_VOICE_NOTES and ATENDENTE_TRANSCRIPTION_MODEL; the server is the model's
(`OPENAI_API_KEY`, `OPENAI_BASE_URL` or Azure), so voice notes are heard only where a
model is configured.
"""

from __future__ import annotations

from pydantic import Field

from composition.settings.base import SystemSettings, env_names


class TranscriptionSettings(SystemSettings):
    """Voice notes: whether they are transcribed, and by which model."""

    voice_notes: bool = Field(True, validation_alias=env_names("ATENDENTE_VOICE_NOTES"))
    """With a model configured, voice notes are transcribed and answered as text; False
    asks the customer to type instead."""
    transcription_model: str = Field(
        "gpt-4o-mini-transcribe", validation_alias=env_names("ATENDENTE_TRANSCRIPTION_MODEL")
    )
    """The audio transcription model (on Azure, its deployment): `gpt-4o-mini-transcribe`,
    `whisper-1`, or what an OpenAI-compatible server serves."""
    transcription_timeout_seconds: float = Field(
        30.0, gt=0, le=120, validation_alias=env_names("ATENDENTE_TRANSCRIPTION_TIMEOUT_SECONDS")
    )
    """Deadline of downloading and transcribing one voice note; past it, the customer is
    asked to type."""
