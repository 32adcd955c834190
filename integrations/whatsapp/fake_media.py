"""The offline Graph API's `/{phone-number-id}/media`: uploads, checked as Meta checks them.

Kept apart from `fake_graph`, which serves `/messages` and hands media uploads here. An
upload is a multipart form with `messaging_product`, `type` and `file`; Meta answers the
media id a photo or file message then names. Types and sizes follow Meta's media limits
for the kinds the inbox sends.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import httpx

_PATH = re.compile(r"^/v\d+\.\d+/(?P<number>[^/]+)/media$")
LIMITS = {
    "image/jpeg": 5 * 1024 * 1024,
    "image/png": 5 * 1024 * 1024,
    "application/pdf": 100 * 1024 * 1024,
    "text/plain": 100 * 1024 * 1024,
}
"""The media types this fake takes, with Meta's size limit of each."""


@dataclass(frozen=True, slots=True)
class Upload:
    """One file the fake accepted."""

    id: str
    mime_type: str
    filename: str
    content: bytes


def handles(request: httpx.Request) -> bool:
    """Whether `request` is a media upload."""
    return _PATH.match(request.url.path) is not None


def _error(status: int, code: int, message: str) -> httpx.Response:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
    return httpx.Response(status, json={"error": error})


def _form(request: httpx.Request) -> dict[str, tuple[str | None, bytes]]:
    """The multipart fields of the request: name -> (file name, bytes)."""
    head = f"Content-Type: {request.headers.get('content-type', '')}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + request.content)
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = (part.get_filename(), payload)
    return fields


class FakeMedia:
    """One business number's uploaded media, in memory."""

    def __init__(self, *, access_token: str, phone_number_id: str) -> None:
        """Accept uploads with `access_token` for `phone_number_id` only."""
        self.access_token = access_token
        self.phone_number_id = phone_number_id
        self.uploads: dict[str, Upload] = {}

    async def handle(self, request: httpx.Request) -> httpx.Response:
        """Store an upload and answer its id, or refuse it with Meta's error."""
        await request.aread()
        match = _PATH.match(request.url.path)
        if request.method != "POST" or match is None:
            return _error(400, 100, "Unknown path components")
        if match["number"] != self.phone_number_id:
            return _error(400, 100, "Object does not exist or lacks permission")
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            return _error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        fields = _form(request)
        if fields.get("messaging_product", (None, b""))[1] != b"whatsapp":
            return _error(400, 100, "The parameter messaging_product is required.")
        filename, content = fields.get("file", (None, b""))
        mime_type = fields.get("type", (None, b""))[1].decode(errors="replace")
        if mime_type not in LIMITS:
            return _error(400, 131053, f"Media upload error: unsupported type {mime_type}")
        if not content or len(content) > LIMITS[mime_type]:
            return _error(400, 131053, "Media upload error: file empty or too large")
        media_id = str(secrets.randbelow(10**15) + 10**15)
        self.uploads[media_id] = Upload(media_id, mime_type, filename or "arquivo", content)
        return httpx.Response(200, json={"id": media_id})
