"""Hearing a voice note: download it from WhatsApp, transcribe it, hand back the words.

Brazilians send voice notes all day; with a model configured, the worker turns each one
into text before the turn, so the agent answers "cadê meu pedido 1001?" spoken exactly as
if typed. Anything that goes wrong (Meta refusing the download, a file too large, the
transcription server failing or slow, silence) is `None`: the turn then asks the customer
to type, never answers with silence or a traceback. Logs name the failure's class only.
"""

from __future__ import annotations

import asyncio
import logging

from integrations.transcription import Transcriber, TranscriptionFailed
from integrations.whatsapp.errors import WhatsAppError
from integrations.whatsapp.media import MediaDownloader

logger = logging.getLogger(__name__)


class VoiceNotes:
    """The words of a customer's voice notes, or None when they cannot be heard."""

    def __init__(
        self,
        media: MediaDownloader,
        transcriber: Transcriber,
        *,
        deadline_seconds: float = 30.0,
    ) -> None:
        """Download with `media`, transcribe with `transcriber`, both within the deadline."""
        self._media = media
        self._transcriber = transcriber
        self._deadline = deadline_seconds

    async def aclose(self) -> None:
        """Release both clients' connection pools."""
        await self._media.aclose()
        await self._transcriber.aclose()

    async def transcript(self, media_id: str) -> str | None:
        """What the customer said in the voice note `media_id`, or None."""
        try:
            async with asyncio.timeout(self._deadline):
                audio = await self._media.download(media_id)
                return await self._transcriber.transcribe(audio.content, mime_type=audio.mime_type)
        except (WhatsAppError, TranscriptionFailed, TimeoutError) as error:
            logger.info("voice note not heard: %s", type(error).__name__)
            return None
