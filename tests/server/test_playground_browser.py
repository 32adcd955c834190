"""The playground page in a real headless Chromium, against a real uvicorn server.

The app here mounts the playground router beside a stand-in WhatsApp webhook that checks
Meta's signature and answers with canned messages, so the page is tested on its own.
"""

from __future__ import annotations

import hmac
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, HTTPException, Request

from server.routes import playground
from server.signatures import hex_signature
from tests.server.serving import serving
from tests.server.test_playground_routes import FakePlayground

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ANA = "5511987654321"
ORDER_PATH = ["guard", "classify_intent", "verify_identity", "act", "tools", "act", "reply"]
TRACKING_PATH = ["guard", "classify_intent", "act", "tools", "act", "reply"]

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
)
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install -y chromium)"
)


def now() -> str:
    return datetime.now(UTC).isoformat()


def playground_app(backend: FakePlayground, received: list[dict[str, Any]]) -> FastAPI:
    app = FastAPI()
    app.include_router(playground.router)
    app.state.playground = backend

    @app.post("/webhooks/whatsapp")
    async def webhook(request: Request) -> dict[str, int]:
        body = await request.body()
        header = request.headers.get("x-hub-signature-256", "")
        expected = "sha256=" + hex_signature(backend.app_secret, body)
        if not hmac.compare_digest(header, expected):
            raise HTTPException(401, "invalid signature")
        payload = json.loads(body)
        received.append(payload)
        message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
        wa_id = message["from"]
        outbox = backend.outbox.setdefault(wa_id, [])
        if message["type"] == "text":
            outbox.append(
                {
                    "type": "buttons",
                    "text": "Encontrei o pedido 1001: saiu para entrega hoje.",
                    "buttons": [
                        {"id": "track", "title": "Rastrear entrega"},
                        {"id": "human", "title": "Falar com atendente"},
                    ],
                    "at": now(),
                }
            )
            tools = [{"name": "get_order", "args": {"number": "1001"}}]
            backend.turns[wa_id] = {"path": ORDER_PATH, "intent": "order_status", "tools": tools}
        else:
            outbox.append(
                {"type": "text", "text": "Código de rastreio: AA123456785BR", "at": now()}
            )
            tools = [{"name": "track_delivery", "args": {"number": "1001"}}]
            backend.turns[wa_id] = {"path": TRACKING_PATH, "intent": "tracking", "tools": tools}
        return {"stored": 1, "duplicates": 0}

    return app


def active_nodes(page: Any) -> list[str]:
    nodes: list[str] = page.eval_on_selector_all(
        "#graph .node.is-active", "els => els.map(e => e.dataset.node)"
    )
    return sorted(nodes)


def test_chat_round_trip_with_buttons_and_graph_path(tmp_path: Path) -> None:
    backend = FakePlayground(app_secret="playground-secret", phone_number_id="109876543210")
    received: list[dict[str, Any]] = []
    expect = sync_api.expect
    with serving(playground_app(backend, received)) as base, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="pt-BR")
            requested: list[str] = []
            errors: list[str] = []
            page.on("request", lambda request: requested.append(request.url))
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on(
                "console",
                lambda message: errors.append(message.text) if message.type == "error" else None,
            )
            page.goto(base + "/")

            customer = page.get_by_label("Cliente")
            expect(customer).to_be_enabled()
            customer.select_option(ANA)
            page.get_by_label("Mensagem", exact=True).fill("oi, cadê meu pedido 1001?")
            page.get_by_role("button", name="Enviar").click()

            bot = page.locator(".bubble.bot")
            expect(bot.first).to_contain_text("Encontrei o pedido 1001")
            expect(page.locator(".bubble.customer").first).to_contain_text("cadê meu pedido")
            expect(page.locator('#graph [data-node="verify_identity"]')).to_have_class(
                "node is-active"
            )
            assert active_nodes(page) == sorted({"__start__", "__end__", *ORDER_PATH})
            expect(page.locator('#graph [data-edge="tools->act"]')).to_have_class("edge is-active")
            expect(page.locator("#intent")).to_have_text("order_status")

            page.get_by_role("button", name="Rastrear entrega").click()
            expect(bot.nth(1)).to_contain_text("AA123456785BR")
            expect(page.locator("#intent")).to_have_text("tracking")
            assert "verify_identity" not in active_nodes(page)
            assert "tools" in active_nodes(page)
            page.screenshot(path=str(tmp_path / "playground.png"))
        finally:
            browser.close()

    text, reply = (p["entry"][0]["changes"][0]["value"] for p in received)
    assert text["metadata"]["phone_number_id"] == "109876543210"
    assert text["contacts"] == [{"profile": {"name": "Ana"}, "wa_id": ANA}]
    first, second = text["messages"][0], reply["messages"][0]
    assert first["text"] == {"body": "oi, cadê meu pedido 1001?"}
    assert first["id"].startswith("wamid.") and first["id"] != second["id"]
    assert first["timestamp"].isdigit()
    assert second["interactive"] == {
        "type": "button_reply",
        "button_reply": {"id": "track", "title": "Rastrear entrega"},
    }
    assert all(url.startswith(base) for url in requested), requested
    assert errors == []
