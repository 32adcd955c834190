"""The cassette transport: exact matching, ordered replays, misses answered without network."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from evals.cassette import (
    CASSETTE_FORMAT,
    MISS_STATUS,
    Cassette,
    CassetteError,
    CassetteTransport,
    request_key,
)

pytestmark = pytest.mark.asyncio

URL = "https://api.example.test/v1/chat/completions"


def counting_server() -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = json.loads(request.content)
        return httpx.Response(
            200,
            json={"echo": body["messages"][0]["content"], "n": len(seen)},
            headers={"x-request-id": f"req-{len(seen)}", "openai-organization": "org-secret"},
        )

    return httpx.MockTransport(answer), seen


def recorder(cassette: Cassette, server: httpx.MockTransport) -> CassetteTransport:
    return CassetteTransport(cassette, "record", inner=server)


def body(text: str) -> dict[str, object]:
    return {"model": "gpt-4o", "messages": [{"role": "user", "content": text}]}


async def test_records_then_replays_each_response_in_order_without_the_server(
    tmp_path: Path,
) -> None:
    server, seen = counting_server()
    cassette = Cassette(meta={"brain": "openai"})
    async with httpx.AsyncClient(transport=recorder(cassette, server)) as c:
        secret = {"authorization": "Bearer sk-1"}
        first = (await c.post(URL, json=body("oi"), headers=secret)).json()
        second = (await c.post(URL, json=body("oi"))).json()
        other = (await c.post(URL, json=body("tchau"))).json()
    assert [first["n"], second["n"], other["n"]] == [1, 2, 3]
    path = tmp_path / "calls.json"
    cassette.save(path)
    stored = path.read_text(encoding="utf-8")
    assert "sk-1" not in stored and "org-secret" not in stored
    assert json.loads(stored)["format"] == CASSETTE_FORMAT

    replay = CassetteTransport(Cassette.load(path), "replay")
    async with httpx.AsyncClient(transport=replay) as client:
        again = [
            (await client.post("http://elsewhere/v1/chat/completions", json=b)).json()
            for b in (body("oi"), body("tchau"), body("oi"))
        ]
    assert [a["n"] for a in again] == [1, 3, 2]
    assert len(seen) == 3
    assert replay.misses == []


async def test_a_request_beyond_the_recording_is_a_counted_client_error() -> None:
    server, seen = counting_server()
    cassette = Cassette()
    async with httpx.AsyncClient(transport=recorder(cassette, server)) as c:
        await c.post(URL, json=body("oi"))
    replay = CassetteTransport(cassette, "replay")
    async with httpx.AsyncClient(transport=replay) as client:
        assert (await client.post(URL, json=body("oi"))).status_code == 200
        repeated = await client.post(URL, json=body("oi"))
        unknown = await client.post(URL, json=body("outra coisa"))
    assert repeated.status_code == unknown.status_code == MISS_STATUS
    assert unknown.json()["error"]["code"] == "cassette_miss"
    assert [miss.model for miss in replay.misses] == ["gpt-4o", "gpt-4o"]
    assert replay.misses[1].key == request_key("POST", "/v1/chat/completions", body("outra coisa"))
    assert len(seen) == 1


async def test_keys_ignore_key_order_and_host_but_not_content() -> None:
    a = request_key("post", "/v1/x", {"a": 1, "b": [1, 2]})
    assert a == request_key("POST", "/v1/x", {"b": [1, 2], "a": 1})
    assert a != request_key("POST", "/v1/x", {"a": 1, "b": [2, 1]})
    assert a != request_key("POST", "/v2/x", {"a": 1, "b": [1, 2]})


async def test_streamed_responses_replay_byte_for_byte() -> None:
    events = b'data: {"choices":[{"delta":{"content":"Oi"}}]}\n\ndata: [DONE]\n\n'
    server = httpx.MockTransport(
        lambda request: httpx.Response(
            200, content=events, headers={"content-type": "text/event-stream"}
        )
    )
    cassette = Cassette()
    async with httpx.AsyncClient(transport=recorder(cassette, server)) as c:
        await c.post(URL, json={**body("oi"), "stream": True})
    async with httpx.AsyncClient(transport=CassetteTransport(cassette, "replay")) as client:
        replayed = await client.post(URL, json={**body("oi"), "stream": True})
    assert replayed.content == events
    assert replayed.headers["content-type"] == "text/event-stream"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("not json", "cannot read"),
        ('{"format": "something-else/1", "exchanges": []}', "not a cassette"),
        (json.dumps({"format": CASSETTE_FORMAT, "exchanges": {}}), "must be a list"),
        (json.dumps({"format": CASSETTE_FORMAT, "exchanges": [{"request": {}}]}), "exchange 0"),
    ],
)
async def test_unusable_files_are_refused_with_the_reason(
    tmp_path: Path, content: str, reason: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CassetteError, match=reason):
        Cassette.load(path)
    with pytest.raises(CassetteError, match="no such cassette"):
        Cassette.load(tmp_path / "missing.json")
