"""Downloading what a customer sent (a voice note, a photo) from the WhatsApp Cloud API.

Meta's flow has two steps: `GET /{version}/{media-id}` answers the media's metadata,
`{"messaging_product", "url", "mime_type", "sha256", "file_size", "id"}`, and that `url`
(on `lookaside.fbsbx.com`, valid for five minutes) answers the bytes to a `GET` that carries
the same access token. The size is checked before the download and the SHA-256 after it,
so a truncated or substituted file is never handed on. Failures are the typed errors of
`integrations.whatsapp.errors`; nothing here is retried, since a voice note can always be
typed instead. Logs name the step and the error class, never the media id or the URL.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

import httpx

from integrations.closing import AsyncClosing
from integrations.whatsapp.errors import NetworkError, UnknownError, error_from_response

logger = logging.getLogger(__name__)

AUDIO_LIMIT = 16 * 1024 * 1024
"""Meta's largest audio file; anything bigger is not what WhatsApp delivers."""


@dataclass(frozen=True, slots=True)
class Media:
    """A downloaded file and its type as Meta reported it ("audio/ogg; codecs=opus")."""

    content: bytes
    mime_type: str


class MediaDownloader(AsyncClosing):
    """Fetches media of one business number; one instance per number and process."""

    def __init__(self, http: httpx.AsyncClient, *, phone_number_id: str) -> None:
        """Fetch through `http`, a `graph_http` pool for the Graph API's root (no object).

        Its token reaches both the Graph API and Meta's CDN, which wants the same one;
        `phone_number_id` is the number the media was sent to, which Meta checks owns it.
        """
        self._http = http
        self._number = phone_number_id

    async def aclose(self) -> None:
        """Release the connection pool."""
        await self._http.aclose()

    async def download(self, media_id: str, *, max_bytes: int = AUDIO_LIMIT) -> Media:
        """The bytes of `media_id`, checked against the size and hash Meta reported.

        Raises:
            WhatsAppError: Meta refused either request, did not answer, reported a file
                over `max_bytes`, or sent bytes that do not match its own SHA-256.
        """
        meta = await self._get(media_id, "metadata", params={"phone_number_id": self._number})
        info = _json(meta)
        url, mime_type = info.get("url"), info.get("mime_type")
        if not isinstance(url, str) or not isinstance(mime_type, str):
            raise UnknownError("media metadata without a url or mime_type", status=200)
        size = _int(info.get("file_size"))
        if size is not None and size > max_bytes:
            raise UnknownError(f"media of {size} bytes is over {max_bytes}", status=200)
        file = await self._get(url, "download")
        content = file.content
        digest = str(info.get("sha256") or "")
        if len(content) > max_bytes or (
            len(digest) == 64 and hashlib.sha256(content).hexdigest() != digest.lower()
        ):
            raise UnknownError("downloaded media does not match its metadata", status=200)
        return Media(content=content, mime_type=mime_type)

    async def _get(
        self, url: str, step: str, *, params: dict[str, str] | None = None
    ) -> httpx.Response:
        """One GET, its failure as a typed error."""
        try:
            response = await self._http.get(url, params=params)
        except httpx.TransportError as error:
            logger.warning("whatsapp media %s: no answer (%s)", step, type(error).__name__)
            raise NetworkError("the Graph API did not answer", retryable=False) from error
        if response.is_success:
            return response
        refusal = error_from_response(response.status_code, _body(response))
        logger.warning(
            "whatsapp media %s -> %d: %s code=%s",
            step,
            response.status_code,
            type(refusal).__name__,
            refusal.code,
        )
        raise refusal


def _body(response: httpx.Response) -> Any:
    """The decoded body, or None when it is not JSON (the CDN's own error page)."""
    try:
        return response.json()
    except ValueError:
        return None


def _json(response: httpx.Response) -> dict[str, Any]:
    """A metadata answer as a dict ({} when it is not one)."""
    body = _body(response)
    return body if isinstance(body, dict) else {}


def _int(value: object) -> int | None:
    """Meta sends `file_size` as a string of digits."""
    try:
        return int(str(value))
    except ValueError:
        return None
