"""The offline Graph API's media: uploads, and the download of what customers sent.

Kept apart from `fake_graph`, which serves `/messages` and hands media requests here. An
upload is a multipart form with `messaging_product`, `type` and `file`; Meta answers the
media id a photo or file message then names. Types and sizes follow Meta's media limits
for the kinds the inbox sends. A customer's voice note or photo is put here with `receive`;
`GET /{version}/{media-id}` then answers its metadata with a `lookaside.fbsbx.com` URL, and
a `GET` of that URL with the access token answers the bytes, as Meta does.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import httpx

_PATH = re.compile(r"^/v\d+\.\d+/(?P<number>[^/]+)/media$")
_METADATA = re.compile(r"^/v\d+\.\d+/(?P<media>\d+)$")
LOOKASIDE = "lookaside.fbsbx.com"
"""Meta's CDN host, which serves a media's bytes to its owner's token."""
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
    """Whether `request` is a media upload, a media's metadata or its download."""
    path = request.url.path
    return (
        _PATH.match(path) is not None
        or (request.method == "GET" and _METADATA.match(path) is not None)
        or request.url.host == LOOKASIDE
    )


def _error(
    status: int, code: int, message: str, *, kind: str = "OAuthException", subcode: int = 0
) -> httpx.Response:
    error: dict[str, Any] = {"message": message, "type": kind, "code": code}
    if subcode:
        error["error_subcode"] = subcode
    return httpx.Response(status, json={"error": error})


def _bad_token() -> httpx.Response:
    return _error(401, 190, "Invalid OAuth access token - Cannot parse access token")


def multipart_fields(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """The fields of a multipart form: name -> (file name, bytes).

    The offline servers parse uploads with the standard library, since the form parser
    web frameworks use is an optional extra this project does not install.
    """
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = (part.get_filename(), payload)
    return fields


class FakeMedia:
    """One business number's media, in memory: what it uploaded and what customers sent."""

    def __init__(self, *, access_token: str, phone_number_id: str) -> None:
        """Accept uploads with `access_token` for `phone_number_id` only."""
        self.access_token = access_token
        self.phone_number_id = phone_number_id
        self.uploads: dict[str, Upload] = {}
        self.downloads = 0
        """Files served from the CDN URL, so tests can tell a download happened."""

    def receive(self, content: bytes, mime_type: str, filename: str = "") -> str:
        """Hold a file a customer sent (a voice note, a photo); returns its media id."""
        media_id = str(secrets.randbelow(10**15) + 10**15)
        self.uploads[media_id] = Upload(media_id, mime_type, filename or "arquivo", content)
        return media_id

    def _authorized(self, request: httpx.Request) -> bool:
        return bool(request.headers.get("authorization") == f"Bearer {self.access_token}")

    def _metadata(self, request: httpx.Request, media_id: str) -> httpx.Response:
        """Meta's metadata of a media, with a download URL for the same token."""
        if not self._authorized(request):
            return _bad_token()
        media = self.uploads.get(media_id)
        number = request.url.params.get("phone_number_id", self.phone_number_id)
        if media is None or number != self.phone_number_id:
            return _error(
                400,
                100,
                f"Unsupported get request. Object with ID '{media_id}' does not exist, cannot "
                "be loaded due to missing permissions, or does not support this operation.",
                kind="GraphMethodException",
                subcode=33,
            )
        url = f"https://{LOOKASIDE}/whatsapp_business/attachments/?mid={media_id}&ext=1&hash=x"
        return httpx.Response(
            200,
            json={
                "messaging_product": "whatsapp",
                "url": url,
                "mime_type": media.mime_type,
                "sha256": hashlib.sha256(media.content).hexdigest(),
                "file_size": str(len(media.content)),
                "id": media_id,
            },
        )

    def _download(self, request: httpx.Request) -> httpx.Response:
        """The bytes, to the owner's token only; anything else is the CDN's bare 404."""
        media = self.uploads.get(request.url.params.get("mid", ""))
        if media is None or not self._authorized(request):
            return httpx.Response(404, text="Not Found")
        self.downloads += 1
        return httpx.Response(200, content=media.content, headers={"content-type": media.mime_type})

    async def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer a download, a media's metadata, or store an upload and answer its id."""
        await request.aread()
        if request.url.host == LOOKASIDE:
            return self._download(request)
        metadata = _METADATA.match(request.url.path)
        if request.method == "GET" and metadata is not None:
            return self._metadata(request, metadata["media"])
        match = _PATH.match(request.url.path)
        if request.method != "POST" or match is None:
            return _error(400, 100, "Unknown path components")
        if match["number"] != self.phone_number_id:
            return _error(400, 100, "Object does not exist or lacks permission")
        if not self._authorized(request):
            return _bad_token()
        fields = multipart_fields(request.headers.get("content-type", ""), request.content)
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
