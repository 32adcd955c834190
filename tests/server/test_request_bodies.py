"""Bodies that never finish: a client that hangs up, a body that trickles in."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from fastapi import FastAPI, Request

from server import body
from server.body import read_body


def app() -> FastAPI:
    api = FastAPI()

    @api.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"size": len(await read_body(request, 1024))}

    return api


async def call(receive_messages: list[dict[str, Any]], delay: float = 0.0) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    queue = list(receive_messages)

    async def receive() -> dict[str, Any]:
        if delay:
            await asyncio.sleep(delay)
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/echo",
        "headers": [(b"content-type", b"application/octet-stream")],
        "query_string": b"",
        "http_version": "1.1",
        "scheme": "http",
        "server": ("test", 80),
        "client": ("127.0.0.1", 1),
        "root_path": "",
    }
    await app()(scope, receive, send)
    return sent


async def test_a_client_that_hangs_up_mid_body_is_not_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO):
        sent = await call([{"type": "http.request", "body": b"{", "more_body": True}])
    assert sent[0]["status"] == 400
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_body_that_trickles_in_gets_408(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(body, "BODY_SECONDS", 0.2)
    chunks = [{"type": "http.request", "body": b"x", "more_body": True}] * 20
    sent = await call(chunks, delay=0.05)
    assert sent[0]["status"] == 408


async def test_a_whole_body_is_read() -> None:
    sent = await call([{"type": "http.request", "body": b"hello", "more_body": False}])
    assert sent[0]["status"] == 200
