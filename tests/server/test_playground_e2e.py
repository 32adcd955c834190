"""The playground against the real service: a conversation about order 1001, end to end.

Page -> signed webhook -> inbound stream -> worker -> graph -> outbox -> sender -> offline
Graph API -> page, all in a real uvicorn server driven by headless Chromium.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from redis.asyncio import Redis

from server.app import create_app
from tests.server.conftest import service_settings
from tests.server.serving import serving
from tests.server.test_playground_browser import CHROMIUM, CHROMIUM_ARGS

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")


def test_a_conversation_about_order_1001_works_in_the_playground(
    redis_url: str, prefix: str, tmp_path: Path, redis_client: Redis
) -> None:
    app = create_app(service_settings(redis_url, prefix, tmp_path, debounce_seconds=0.2))
    expect = sync_api.expect
    with serving(app, lifespan="on", start_seconds=15) as base, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(base + "/")
            page.get_by_label("Cliente").select_option("5511987654321")
            page.get_by_label("Mensagem", exact=True).fill("oi, cadê meu pedido 1001?")
            page.get_by_role("button", name="Enviar").click()
            bot = page.locator(".bubble.bot")
            expect(bot.first).to_contain_text("AA123456785BR", timeout=15_000)
            expect(page.locator("#intent")).to_have_text("order_status", timeout=10_000)
            expect(page.locator('#graph [data-node="verify_identity"]')).to_have_class(
                "node is-active"
            )
            page.screenshot(path=str(tmp_path / "playground-e2e.png"))
            assert errors == []
        finally:
            browser.close()
