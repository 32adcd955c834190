"""The inbox and the playground together, in headless Chromium, as people use them.

A customer asks for a person in the playground; an agent who signed in to the inbox sees
the ticket appear without reloading, reads it, replies (the reply reaches the offline Graph
API and the playground), assigns it to herself and gives the customer back to the bot,
who answers the next question. Once on a desktop viewport and once at 390 px wide.
Screenshots of every step go to `.test-artifacts/inbox/<viewport>/`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from server.app import create_app
from server.inbox_auth import AgentStore
from server.services import Services
from tests.server.conftest import service_settings
from tests.server.serving import serving
from tests.server.test_playground_browser import CHROMIUM, CHROMIUM_ARGS

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")

ANA = "5511987654321"
ARTIFACTS = Path(__file__).parents[2] / ".test-artifacts" / "inbox"
PASSWORD = "senha-da-julia-123"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
WAIT = 20_000


def add_agent(redis_url: str, prefix: str) -> None:
    async def run() -> None:
        client = Redis.from_url(redis_url)
        try:
            await AgentStore(client, prefix).save(
                "julia", name="Júlia", department="atendimento", password=PASSWORD
            )
        finally:
            await client.aclose()

    asyncio.run(run())


class Steps:
    """Numbered screenshots of both pages."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()

    def shot(self, page: Any, name: str) -> None:
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"), full_page=True)


def sent_texts(services: Services) -> list[str]:
    fake = services.whatsapp.fake
    assert fake is not None
    texts = []
    for message in fake.messages(ANA):
        payload = message.payload
        body = payload.get("text") or payload.get("interactive", {}).get("body") or {}
        texts.append(str(body.get("body") or body.get("text") or ""))
    return texts


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_person_takes_over_answers_and_gives_the_customer_back(
    viewport: str, redis_url: str, prefix: str, tmp_path: Path, redis_client: Redis
) -> None:
    add_agent(redis_url, prefix)
    app = create_app(service_settings(redis_url, prefix, tmp_path, debounce_seconds=0.2))
    expect = sync_api.expect
    steps = Steps(ARTIFACTS / viewport)
    size = VIEWPORTS[viewport]
    with serving(app, lifespan="on", start_seconds=15) as base, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        errors: list[str] = []
        try:
            staff = browser.new_context(viewport=size, locale="pt-BR").new_page()
            customer = browser.new_context(viewport=size, locale="pt-BR").new_page()
            for page in (staff, customer):
                page.on("pageerror", lambda error: errors.append(str(error)))

            # The agent signs in first and waits with an empty queue.
            staff.goto(base + "/inbox")
            staff.get_by_label("Login").fill("julia")
            staff.get_by_label("Senha").fill(PASSWORD)
            staff.get_by_role("button", name="Entrar").click()
            expect(staff.locator("#agent-name")).to_have_text("Júlia")
            expect(staff.get_by_text("Nenhum atendimento aberto.")).to_be_visible()
            steps.shot(staff, "inbox-signed-in")

            # The customer asks for a person in the playground.
            customer.goto(base + "/")
            customer.get_by_label("Cliente").select_option(ANA)
            expect(customer.locator("#orders")).to_contain_text("#1001")
            customer.get_by_label("Mensagem", exact=True).fill("quero falar com um atendente")
            customer.get_by_role("button", name="Enviar").click()
            handoff = customer.locator("#handoff")
            expect(handoff).to_contain_text("Com uma pessoa", timeout=WAIT)
            expect(customer.locator(".bubble.bot").first).to_be_visible(timeout=WAIT)
            steps.shot(customer, "playground-asks-for-a-person")

            # The ticket appears in the inbox without a reload.
            item = staff.locator(".ticket-item").first
            expect(item).to_contain_text("+55 11 98765-4321", timeout=WAIT)
            expect(item).to_contain_text("ATD-")
            steps.shot(staff, "inbox-ticket-appears")

            item.click()
            timeline = staff.locator("#timeline")
            expect(timeline).to_contain_text("quero falar com um atendente")
            expect(timeline).to_contain_text("Atendimento aberto")
            steps.shot(staff, "inbox-reads-the-ticket")

            # The agent replies; WhatsApp formatting reaches the customer as WhatsApp shows it.
            reply = (
                "Oi, Ana! Aqui é a Júlia. Seu pedido *1001* está a caminho: https://loja.example/r"
            )
            staff.get_by_label("Mensagem", exact=True).fill(reply)
            staff.get_by_role("button", name="Enviar").click()
            expect(timeline.locator(".entry.agent")).to_contain_text("Aqui é a Júlia", timeout=WAIT)
            answer = customer.locator(".bubble.bot", has_text="Aqui é a Júlia")
            expect(answer).to_be_visible(timeout=WAIT)
            expect(answer.locator("strong")).to_have_text("1001")
            expect(answer.locator("a")).to_have_attribute("href", "https://loja.example/r")
            assert any("Aqui é a Júlia" in text for text in sent_texts(app.state.services))
            expect(customer.get_by_text("Sem resposta até agora")).to_have_count(0)
            steps.shot(staff, "inbox-replied")
            steps.shot(customer, "playground-gets-the-reply")

            # She takes the ticket, then gives the customer back to the bot.
            staff.get_by_label("Responsável").select_option("julia")
            staff.get_by_role("button", name="Atribuir").click()
            expect(staff.locator("#ticket-meta")).to_contain_text("com Júlia", timeout=WAIT)
            expect(timeline).to_contain_text("Atribuído a Júlia")
            steps.shot(staff, "inbox-assigned")

            staff.get_by_role("button", name="Devolver ao robô").click()
            expect(staff.get_by_text("Nenhum atendimento aberto.")).to_be_visible(timeout=WAIT)
            steps.shot(staff, "inbox-released")
            expect(handoff).to_be_hidden(timeout=WAIT)
            notice = customer.locator(".bubble.bot", has_text="foi encerrado")
            expect(notice).to_be_visible(timeout=WAIT)

            # The bot answers again.
            customer.get_by_label("Mensagem", exact=True).fill("cadê meu pedido 1001?")
            customer.get_by_role("button", name="Enviar").click()
            tracking = customer.locator(".bubble.bot", has_text="AA123456785BR")
            expect(tracking).to_be_visible(timeout=WAIT)
            steps.shot(customer, "playground-bot-is-back")

            # A new tab shows the whole conversation, both sides, in order.
            fresh = browser.new_context(viewport=size, locale="pt-BR").new_page()
            fresh.goto(base + "/")
            fresh.get_by_label("Cliente").select_option(ANA)
            bubbles = fresh.locator(".bubble")
            expect(bubbles.last).to_contain_text("AA123456785BR", timeout=WAIT)
            texts = bubbles.all_inner_texts()
            first = next(i for i, t in enumerate(texts) if "quero falar com um atendente" in t)
            julia = next(i for i, t in enumerate(texts) if "Aqui é a Júlia" in t)
            again = next(i for i, t in enumerate(texts) if "cadê meu pedido 1001?" in t)
            assert first < julia < again
            if viewport == "phone":
                width = fresh.evaluate("document.documentElement.scrollWidth")
                assert width <= size["width"], "nothing wider than the phone's screen"
            steps.shot(fresh, "playground-new-tab")
        finally:
            browser.close()
    assert errors == []
