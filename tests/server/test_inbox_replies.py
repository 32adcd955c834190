"""What an agent sends from the inbox reaches WhatsApp: text, photos, files and templates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from server.app import create_app
from server.sender import OutboxSender
from server.services import Services
from tests.server.conftest import service_settings
from tests.server.test_inbox_security import ANA, PASSWORD, Inbox, sign_in
from tests.support import OFFICE_HOURS

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
async def desk(
    redis_url: str, prefix: str, tmp_path: Path, redis_client: Redis
) -> AsyncIterator[Inbox]:
    app = create_app(service_settings(redis_url, prefix, tmp_path), run_workers=False)
    async with app.router.lifespan_context(app):
        services: Services = app.state.services
        services.context = replace(services.context, clock=lambda: OFFICE_HOURS)
        await app.state.inbox.agents.save(
            "julia", name="Júlia", department="atendimento", password=PASSWORD
        )
        yield Inbox(app, services)


async def deliver(services: Services) -> list[dict[str, object]]:
    sender = OutboxSender(
        services.redis, services.settings.redis_prefix, services.whatsapp.client, services.outbox
    )
    await services.outbox_queue.process("test-sender", sender.handle, block_ms=10)
    fake = services.whatsapp.fake
    assert fake is not None
    return [m.payload for m in fake.messages(ANA)]


async def test_a_photo_and_a_pdf_reach_the_graph_api_with_their_caption(desk: Inbox) -> None:
    ticket = await desk.handed_off()
    async with desk.client() as http:
        csrf = {"x-csrf-token": await sign_in(http, "julia")}
        url = f"/inbox/api/tickets/{ticket}/attachment"
        photo = await http.post(
            url,
            params={"filename": "nota.png", "caption": "Segue a *nota*"},
            content=PNG,
            headers={**csrf, "content-type": "image/png"},
        )
        assert photo.status_code == 202, photo.text
        pdf = await http.post(
            url,
            params={"filename": "boleto.pdf"},
            content=b"%PDF-1.4 demo",
            headers={**csrf, "content-type": "application/pdf"},
        )
        assert pdf.status_code == 202, pdf.text
        refused = await http.post(
            url,
            params={"filename": "x.exe"},
            content=b"MZ",
            headers={**csrf, "content-type": "application/octet-stream"},
        )
        assert refused.status_code == 415
        read = (await http.get(f"/inbox/api/tickets/{ticket}")).json()
    payloads = await deliver(desk.services)
    image = next(p for p in payloads if p["type"] == "image")
    document = next(p for p in payloads if p["type"] == "document")
    assert image["image"]["caption"] == "Segue a *nota*"  # type: ignore[index]
    assert document["document"]["filename"] == "boleto.pdf"  # type: ignore[index]
    fake = desk.services.whatsapp.fake
    assert fake is not None
    uploaded = fake.media.uploads[image["image"]["id"]]  # type: ignore[index]
    assert uploaded.content == PNG and uploaded.mime_type == "image/png"
    replies = [e for e in read["timeline"] if e["kind"] == "agent_reply"]
    assert [r["details"]["media"]["filename"] for r in replies] == ["nota.png", "boleto.pdf"]
    assert replies[0]["by"] == {"login": "julia", "name": "Júlia"}


async def test_outside_the_window_only_the_approved_template_goes(desk: Inbox) -> None:
    ticket = await desk.handed_off()
    await desk.services.window.forget(ANA)
    async with desk.client() as http:
        csrf = {"x-csrf-token": await sign_in(http, "julia")}
        read = (await http.get(f"/inbox/api/tickets/{ticket}")).json()
        assert read["window_open"] is False
        assert [t["name"] for t in read["templates"]] == ["retomar_atendimento"]
        text = await http.post(
            f"/inbox/api/tickets/{ticket}/reply", json={"text": "oi"}, headers=csrf
        )
        assert text.status_code == 409
        sent = await http.post(
            f"/inbox/api/tickets/{ticket}/template",
            json={"name": "retomar_atendimento"},
            headers=csrf,
        )
        assert sent.status_code == 202
        unknown = await http.post(
            f"/inbox/api/tickets/{ticket}/template", json={"name": "promo"}, headers=csrf
        )
        assert unknown.status_code == 422
    [template] = [p for p in await deliver(desk.services) if p["type"] == "template"]
    body = template["template"]
    assert body["name"] == "retomar_atendimento"  # type: ignore[index]
    parameters = body["components"][0]["parameters"]  # type: ignore[index]
    assert [p["text"] for p in parameters] == ["Júlia", ticket]


async def test_release_tells_the_customer_once_and_the_playground_uses_the_same_path(
    desk: Inbox,
) -> None:
    ticket = await desk.handed_off()
    transport = httpx.ASGITransport(app=desk.app, client=("127.0.0.1", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as local:
        shown = (await local.get("/playground/api/messages", params={"wa_id": ANA})).json()
        assert shown["handoff"]["ticket"] == ticket
        released = await local.post("/playground/api/release", json={"wa_id": ANA})
        assert released.json() == {"wa_id": ANA, "ticket": ticket, "released": True}
        again = await local.post("/playground/api/release", json={"wa_id": ANA})
        assert again.json()["released"] is False
        shown = (await local.get("/playground/api/messages", params={"wa_id": ANA})).json()
        assert shown["handoff"] is None
    notices = [
        e for e in await desk.services.outbox.entries(ANA) if e.key == f"release-notice:{ticket}"
    ]
    assert len(notices) == 1
    assert "foi encerrado" in notices[0].messages[0]["text"]
    events = await desk.services.handoff.store.timeline(ticket)
    assert events[-1].kind == "released" and events[-1].by is not None
    assert events[-1].by.login == "playground"
