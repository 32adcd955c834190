"""Voice notes to text through the real OpenAI client and the scripted compatible server."""

from __future__ import annotations

import openai
import pytest

from evals.scripted_model import BASE_URL, Failure, ScriptedModel, Transcript
from integrations.transcription import Transcriber, TranscriptionFailed


async def test_the_words_come_back_from_a_multipart_request_in_openais_shape() -> None:
    scripted = ScriptedModel()
    async with scripted.client() as http:
        client = openai.AsyncOpenAI(api_key="k", base_url=BASE_URL, http_client=http)
        transcriber = Transcriber(client, model="gpt-4o-mini-transcribe")
        heard = await transcriber.transcribe(
            "cadê meu pedido 1001?".encode(), mime_type="audio/ogg; codecs=opus"
        )
        scripted.transcriptions.append(Transcript("  o boleto venceu  "))
        scripted_words = await transcriber.transcribe(b"\x00\x01", mime_type="audio/mpeg")
    assert heard == "cadê meu pedido 1001?"
    assert scripted_words == "o boleto venceu"
    first, second = scripted.audio_requests
    assert first["model"] == "gpt-4o-mini-transcribe" and first["language"] == "pt"
    assert first["response_format"] == "json" and "Pix" in first["prompt"]
    assert first["filename"] == "mensagem-de-voz.ogg" and second["filename"].endswith(".mp3")
    assert scripted.paths == ["/v1/audio/transcriptions"] * 2


@pytest.mark.parametrize(
    "step", [Failure(500), Failure(429, code="rate_limit_exceeded"), Transcript("   ")]
)
async def test_a_failed_or_empty_transcription_is_one_error(step: Failure | Transcript) -> None:
    scripted = ScriptedModel()
    scripted.transcriptions.append(step)
    async with scripted.client() as http:
        client = openai.AsyncOpenAI(api_key="k", base_url=BASE_URL, http_client=http, max_retries=0)
        with pytest.raises(TranscriptionFailed):
            await Transcriber(client, model="whisper-1").transcribe(b"x", mime_type="audio/ogg")
