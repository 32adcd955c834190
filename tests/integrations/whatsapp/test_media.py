"""A customer's voice note or photo, downloaded as Meta serves it: metadata, then the bytes."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from integrations.whatsapp.client import graph_http
from integrations.whatsapp.errors import AuthError, InvalidParameterError, UnknownError
from integrations.whatsapp.fake_graph import FakeGraphAPI
from integrations.whatsapp.media import MediaDownloader

API = "https://graph.facebook.com"
TOKEN = "fake-whatsapp-token"
NUMBER_ID = "100000000000001"
VOICE = b"quero saber do meu pedido 1001"


def downloader(
    graph: FakeGraphAPI | None = None,
    *,
    token: str = TOKEN,
    transport: httpx.AsyncBaseTransport | None = None,
) -> MediaDownloader:
    pool = graph_http(token, "", API, "v21.0", 5.0, graph.transport() if graph else transport)
    return MediaDownloader(pool, phone_number_id=NUMBER_ID)


async def test_metadata_then_the_bytes_with_the_same_token() -> None:
    graph = FakeGraphAPI(access_token=TOKEN, phone_number_id=NUMBER_ID)
    media_id = graph.media.receive(VOICE, "audio/ogg; codecs=opus")
    async with httpx.AsyncClient(transport=graph.transport()) as http:
        meta = await http.get(
            f"https://graph.facebook.com/v21.0/{media_id}",
            params={"phone_number_id": NUMBER_ID},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert meta.json() == {
            "messaging_product": "whatsapp",
            "url": meta.json()["url"],
            "mime_type": "audio/ogg; codecs=opus",
            "sha256": hashlib.sha256(VOICE).hexdigest(),
            "file_size": str(len(VOICE)),
            "id": media_id,
        }
        assert meta.json()["url"].startswith("https://lookaside.fbsbx.com/whatsapp_business/")
        assert (await http.get(meta.json()["url"])).status_code == 404, "the CDN wants the token"
    async with downloader(graph) as media:
        voice = await media.download(media_id)
    assert voice.content == VOICE and voice.mime_type == "audio/ogg; codecs=opus"
    assert graph.media.downloads == 1


async def test_unknown_media_a_wrong_token_and_a_file_too_large_are_typed_errors() -> None:
    graph = FakeGraphAPI(access_token=TOKEN, phone_number_id=NUMBER_ID)
    media_id = graph.media.receive(VOICE, "audio/ogg")
    async with downloader(graph) as media:
        with pytest.raises(InvalidParameterError) as unknown:
            await media.download("1234567890123456")
        assert unknown.value.code == 100 and unknown.value.subcode == 33
        with pytest.raises(UnknownError, match="over 10"):
            await media.download(media_id, max_bytes=10)
    async with downloader(graph, token="stolen") as media:
        with pytest.raises(AuthError):
            await media.download(media_id)
    assert graph.media.downloads == 0


async def test_bytes_that_do_not_match_metadata_are_refused() -> None:
    def cdn(request: httpx.Request) -> httpx.Response:
        if request.url.host == "lookaside.fbsbx.com":
            return httpx.Response(200, content=b"something else")
        meta = {
            "messaging_product": "whatsapp",
            "url": "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1",
            "mime_type": "audio/ogg",
            "sha256": hashlib.sha256(VOICE).hexdigest(),
            "file_size": str(len(VOICE)),
            "id": "1",
        }
        return httpx.Response(200, json=meta)

    async with downloader(transport=httpx.MockTransport(cdn)) as media:
        with pytest.raises(UnknownError, match="does not match"):
            await media.download("1")
