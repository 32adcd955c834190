"""Signatures, verify tokens and admin tokens with characters no real one has: 401/403."""

from __future__ import annotations

from tests.server import whatsapp
from tests.server.conftest import Service

NON_ASCII = "sha256=é☃".encode()


async def test_a_non_ascii_whatsapp_signature_is_refused_not_a_crash(service: Service) -> None:
    body, _ = whatsapp.signed(whatsapp.message("5511987654321", "oi"))
    reply = await service.http.post(
        "/webhooks/whatsapp",
        content=body,
        headers=[(b"content-type", b"application/json"), (b"x-hub-signature-256", NON_ASCII)],
    )
    assert reply.status_code == 401


async def test_a_non_ascii_store_signature_is_refused_not_a_crash(service: Service) -> None:
    reply = await service.http.post(
        "/webhooks/nuvemshop",
        content=b'{"store_id": 1, "event": "order/paid", "id": 1}',
        headers=[(b"content-type", b"application/json"), (b"x-linkedstore-hmac-sha256", NON_ASCII)],
    )
    assert reply.status_code == 401


async def test_a_non_ascii_verify_token_is_refused_not_a_crash(service: Service) -> None:
    reply = await service.http.get(
        "/webhooks/whatsapp",
        params={"hub.mode": "subscribe", "hub.verify_token": "tókén☃", "hub.challenge": "1"},
    )
    assert reply.status_code == 403
