"""Speech to text through the OpenAI-compatible audio transcription endpoint.

`POST {base}/audio/transcriptions` takes a multipart form (`file`, `model`, `language`,
`prompt`, `response_format`) and answers `{"text": ...}` in JSON. OpenAI, Azure OpenAI
and the OpenAI-compatible servers (vLLM, speaches and the like) serve it alike, so the
official client is used and only its base URL differs. Every failure (a refusal, a
timeout, a format the model does not take, an empty transcript) is one
`TranscriptionFailed`, named by class, never with the audio or the words.
"""

from __future__ import annotations

import logging

import openai

logger = logging.getLogger(__name__)

PROMPT = (
    "Mensagem de voz de um cliente para o atendimento de uma loja online: pedido, entrega, "
    "rastreio, Pix, boleto, CPF, troca, devolução, reembolso."
)
"""Tells the model the conversation's vocabulary, so "Pix" is not heard as "peixe"."""

_EXTENSIONS = {
    "audio/ogg": "ogg",
    "audio/opus": "ogg",
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "audio/aac": "aac",
    "audio/amr": "amr",
    "audio/wav": "wav",
    "audio/webm": "webm",
}
"""The file name's extension by type: the endpoint reads the format from the name."""


class TranscriptionFailed(Exception):
    """The audio could not be turned into words; the customer is asked to type instead."""


class Transcriber:
    """One transcription model behind an OpenAI-compatible server."""

    def __init__(self, client: openai.AsyncOpenAI, *, model: str, language: str = "pt") -> None:
        """Transcribe with `model` through `client`, in `language` (ISO 639-1)."""
        self._client = client
        self.model = model
        self._language = language

    async def aclose(self) -> None:
        """Release the client's connection pool."""
        await self._client.close()

    async def transcribe(self, audio: bytes, *, mime_type: str) -> str:
        """The words spoken in `audio` ("audio/ogg; codecs=opus" and the like).

        Raises:
            TranscriptionFailed: The server refused or did not answer, or heard nothing.
        """
        base = mime_type.split(";", 1)[0].strip().lower()
        name = f"mensagem-de-voz.{_EXTENSIONS.get(base, 'ogg')}"
        try:
            result = await self._client.audio.transcriptions.create(
                file=(name, audio, base),
                model=self.model,
                language=self._language,
                prompt=PROMPT,
                response_format="json",
            )
        except openai.OpenAIError as error:
            logger.warning("transcription failed: %s", type(error).__name__)
            raise TranscriptionFailed(type(error).__name__) from error
        text = result.text.strip()
        if not text:
            logger.info("transcription heard nothing")
            raise TranscriptionFailed("empty transcript")
        return text
