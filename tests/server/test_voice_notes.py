"""Voice notes through the service: downloaded from the offline Graph API, transcribed by the
scripted OpenAI-compatible server, answered as text; a failure is a polite ask to type."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from composition.settings import Settings
from composition.voice_notes import open_voice_notes
from evals.scripted_model import BASE_URL, Failure, ScriptedModel
from integrations.whatsapp.fake_graph import FakeGraphAPI
from server.worker import TurnParts, TurnWorker
from tests.server import whatsapp
from tests.server.conftest import Service
from tests.server.test_whatsapp_webhook import ANA, post, replies
from tools.voice_notes import VoiceNotes

ASK_TO_TYPE = "Recebi seu áudio, mas não consegui ouvir direito agora 🙏"


@pytest.fixture
async def voice(service: Service, scripted: ScriptedModel) -> AsyncIterator[VoiceNotes]:
    """The service's WhatsApp number and the scripted model's server, as a model deployment."""
    settings = Settings(_env_file=None, openai_base_url=BASE_URL, llm_max_retries=0)
    async with (
        scripted.client() as http,
        open_voice_notes(settings, service.services.whatsapp, llm_http_client=http) as opened,
    ):
        assert opened is not None
        yield opened


def graph_api(service: Service) -> FakeGraphAPI:
    fake = service.services.whatsapp.fake
    assert fake is not None
    return fake


async def send_voice_note(service: Service, media_id: str, wa_id: str = ANA) -> None:
    body = {"id": media_id, "mime_type": "audio/ogg; codecs=opus", "voice": True}
    await post(service, whatsapp.message(wa_id, kind="audio", body=body))


async def answer_all(service: Service, voice: VoiceNotes | None) -> int:
    worker = TurnWorker(replace(TurnParts.of(service.services), voice=voice), debounce_seconds=0)
    handled = 0
    while count := await service.services.inbound_queue.process("w", worker.handle, block_ms=10):
        handled += count
    return handled


async def test_a_voice_note_is_heard_and_answered_as_text(
    service: Service, voice: VoiceNotes, scripted: ScriptedModel
) -> None:
    fake = graph_api(service)
    spoken = "oi, cadê meu pedido 1001?".encode()  # the stand-in server hears bytes as words
    await send_voice_note(service, fake.media.receive(spoken, "audio/ogg; codecs=opus"))
    assert await answer_all(service, voice) == 1
    [reply] = await replies(service, ANA)
    assert "AA123456785BR" in reply and "áudio" not in reply
    [form] = scripted.audio_requests
    assert form["model"] == "gpt-4o-mini-transcribe" and form["language"] == "pt"
    assert form["filename"] == "mensagem-de-voz.ogg" and form["bytes"] == len(spoken)
    assert fake.media.downloads == 1


async def test_a_failed_transcription_asks_to_type(
    service: Service, voice: VoiceNotes, scripted: ScriptedModel
) -> None:
    scripted.transcriptions.append(Failure(500))
    media_id = graph_api(service).media.receive(b"...", "audio/ogg; codecs=opus")
    await send_voice_note(service, media_id)
    assert await answer_all(service, voice) == 1
    [reply] = await replies(service, ANA)
    assert reply.startswith(ASK_TO_TYPE) and "escrever" in reply
    assert len(scripted.audio_requests) == 1


async def test_a_failed_download_asks_to_type_without_transcribing(
    service: Service, voice: VoiceNotes, scripted: ScriptedModel
) -> None:
    await send_voice_note(service, "1999999999999999")  # Meta no longer has it
    await answer_all(service, voice)
    [reply] = await replies(service, ANA)
    assert reply.startswith(ASK_TO_TYPE)
    assert scripted.audio_requests == []


async def test_without_a_model_a_voice_note_gets_the_offline_ask(service: Service) -> None:
    assert service.services.voice is None, "no model configured: nothing transcribes"
    media_id = graph_api(service).media.receive(b"oi", "audio/ogg")
    await send_voice_note(service, media_id)
    await answer_all(service, None)
    [reply] = await replies(service, ANA)
    assert "por aqui eu ainda não consigo ouvir" in reply
    assert graph_api(service).media.downloads == 0


async def test_the_transcript_is_kept_on_the_ticket(service: Service, voice: VoiceNotes) -> None:
    fake = graph_api(service)
    asked = fake.media.receive(b"quero falar com um atendente", "audio/ogg")
    await send_voice_note(service, asked)
    await answer_all(service, voice)
    [ticket] = await service.services.handoff.store.for_sender(ANA)
    assert ticket.evidence["voice_notes"] == [
        {"media_id": asked, "transcript": "quero falar com um atendente"}
    ]
    later = fake.media.receive("é sobre o pedido 1004".encode(), "audio/ogg")
    await send_voice_note(service, later)
    await answer_all(service, voice)
    stored = await service.services.handoff.store.get(ticket.id)
    assert stored is not None
    assert stored.messages == [f"🎤 é sobre o pedido 1004 (mídia: {later})"]
