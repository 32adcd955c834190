"""The voice-note service a deployment runs: WhatsApp's media beside the model's server.

Offline (no model configured, or `ATENDENTE_VOICE_NOTES=false`) there is none, and a voice
note is answered with a polite ask to type. Otherwise the store's WhatsApp number fetches
the audio (from the offline Graph API when WhatsApp is offline) and the model's server
transcribes it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from composition.model import build_transcriber
from composition.settings import Settings
from composition.whatsapp import FAKE_TOKEN, WhatsAppWiring
from integrations.whatsapp.client import graph_http
from integrations.whatsapp.media import MediaDownloader
from tools.voice_notes import VoiceNotes


@asynccontextmanager
async def open_voice_notes(
    settings: Settings,
    whatsapp: WhatsAppWiring,
    *,
    llm_http_client: httpx.AsyncClient | None = None,
) -> AsyncIterator[VoiceNotes | None]:
    """Voice notes heard through the model's server, or None; clients closed on exit.

    `llm_http_client` reaches the model's server instead of the network (tests).
    """
    transcriber = build_transcriber(settings, http_async_client=llm_http_client)
    if transcriber is None:
        yield None
        return
    secret = settings.whatsapp_access_token
    token = secret.get_secret_value() if secret else ""  # set whenever WhatsApp is not the fake
    http = graph_http(
        FAKE_TOKEN if whatsapp.fake else token,
        "",  # media are addressed from the API's root: /{version}/{media-id}
        settings.whatsapp_api_url,
        settings.whatsapp_api_version,
        settings.transcription_timeout_seconds,
        whatsapp.fake.transport() if whatsapp.fake else None,
    )
    media = MediaDownloader(http, phone_number_id=whatsapp.client_phone_number_id)
    voice = VoiceNotes(media, transcriber, deadline_seconds=settings.transcription_timeout_seconds)
    try:
        yield voice
    finally:
        await voice.aclose()
