"""The admin API: access control, reading a handed-off conversation, replying, releasing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis

from agent.state import Inbound
from agent.turn import TurnResult, run_turn
from server.app import create_app
from server.routes import admin
from server.services import Services
from tests.server.conftest import service_settings
from tests.support import OFFICE_HOURS, text_of
from tools.ticket_store import RedisTicketStore

TOKEN = "s3cret-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ANA = "5511987654321"


@dataclass
class Admin:
    app: FastAPI
    http: httpx.AsyncClient
    services: Services
    tickets: RedisTicketStore

    async def say(self, text: str, wa_id: str = ANA) -> TurnResult:
        await self.services.window.customer_wrote(wa_id)
        inbound = Inbound(sender_id=wa_id, phone=f"+{wa_id}", text=text)
        return await run_turn(self.services.graph, self.services.context, inbound)

    async def handed_off(self, wa_id: str = ANA) -> str:
        result = await self.say("quero falar com um atendente", wa_id)
        assert result.handoff is not None
        return result.handoff["ticket"]


@pytest.fixture
async def api(
    redis_url: str, prefix: str, tmp_path: Path, redis_client: Redis
) -> AsyncIterator[Admin]:
    settings = service_settings(
        redis_url, prefix, tmp_path, admin_token=TOKEN, admin_rate_limit_per_minute=1000
    )
    app = create_app(settings, run_workers=False)
    async with app.router.lifespan_context(app):
        services: Services = app.state.services
        tickets = services.handoff.store
        services.context = replace(services.context, clock=lambda: OFFICE_HOURS)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://atendente") as http:
            yield Admin(app, http, services, tickets)


async def test_no_token_configured_means_the_admin_api_is_off(api: Admin) -> None:
    api.app.state.admin = admin.AdminAccess(token=None)
    response = await api.http.get("/admin/tickets", headers=AUTH)
    assert response.status_code == 503


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"Authorization": "Basic x"}],
)
async def test_a_missing_or_wrong_token_is_refused(api: Admin, headers: dict[str, str]) -> None:
    response = await api.http.get("/admin/tickets", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_requests_over_the_limit_get_429_with_retry_after(api: Admin) -> None:
    api.app.state.admin = admin.AdminAccess(token=TOKEN, requests_per_minute=3)
    codes = [(await api.http.get("/admin/tickets", headers=AUTH)).status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    over = await api.http.get("/admin/tickets", headers=AUTH)
    assert over.status_code == 429
    assert 1 <= int(over.headers["retry-after"]) <= 60


async def test_wrong_guesses_are_limited_without_locking_out_the_valid_token(api: Admin) -> None:
    api.app.state.admin = admin.AdminAccess(token=TOKEN, requests_per_minute=3)
    guess = {"Authorization": "Bearer guess"}
    codes = [(await api.http.get("/admin/tickets", headers=guess)).status_code for _ in range(5)]
    assert codes == [401, 401, 401, 429, 429]
    assert (await api.http.get("/admin/tickets", headers=AUTH)).status_code == 429, (
        "the guesser's address is blocked whatever token it sends"
    )
    other = httpx.ASGITransport(app=api.app, client=("10.0.0.7", 5000))
    async with httpx.AsyncClient(transport=other, base_url="http://atendente") as staff:
        assert (await staff.get("/admin/tickets", headers=AUTH)).status_code == 200


async def test_a_forwarded_for_header_does_not_choose_the_counted_address(api: Admin) -> None:
    api.app.state.admin = admin.AdminAccess(token=TOKEN, requests_per_minute=2)
    for n in range(4):
        spoofed = {"Authorization": "Bearer guess", "X-Forwarded-For": f"203.0.113.{n}"}
        reply = await api.http.get("/admin/tickets", headers=spoofed)
    assert reply.status_code == 429


async def test_list_open_tickets_by_department(api: Admin) -> None:
    ticket = await api.handed_off()
    other = await api.tickets.open(
        department="financeiro", reason="refund", sender_id="5521998765432", order_number="1002"
    )
    everything = (await api.http.get("/admin/tickets", headers=AUTH)).json()["tickets"]
    assert [t["id"] for t in everything] == [ticket, other.id]
    assert everything[0]["department"] == "atendimento"
    assert everything[0]["wa_id"] == ANA
    finance = await api.http.get("/admin/tickets?department=financeiro", headers=AUTH)
    assert [t["id"] for t in finance.json()["tickets"]] == [other.id]
    unknown = await api.http.get("/admin/tickets?department=marketing", headers=AUTH)
    assert unknown.status_code == 422


async def test_read_the_conversation_after_a_real_handoff(api: Admin) -> None:
    ticket = await api.handed_off()
    heard = await api.say("alô? tem alguém aí?")
    assert "human_mode" in heard.path
    assert [m["text"][:20] for m in heard.messages] == ["Recebi sua mensagem,"]
    response = await api.http.get(f"/admin/tickets/{ticket}", headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert body["ticket"]["id"] == ticket
    assert body["ticket"]["reason"] == "human_request"
    assert body["ticket"]["messages"] == ["alô? tem alguém aí?"]
    assert body["window_open"] is True
    conversation = body["conversation"]
    assert conversation[0] == {"from": "customer", "text": "quero falar com um atendente"}
    assert any(m["from"] == "bot" for m in conversation)
    assert conversation[-2] == {"from": "customer", "text": "alô? tem alguém aí?"}
    assert conversation[-1]["from"] == "bot"
    assert conversation[-1]["text"].startswith("Recebi sua mensagem")
    missing = await api.http.get("/admin/tickets/ATD-99999", headers=AUTH)
    assert missing.status_code == 404
    for other_key in (f"{ticket}:in", f"{ticket}:out", "seq", "ATD-%00"):
        odd = await api.http.get(f"/admin/tickets/{other_key}", headers=AUTH)
        assert odd.status_code == 404, other_key


async def test_reply_queues_an_outbox_entry_and_records_it(api: Admin) -> None:
    ticket = await api.handed_off()
    before = len(await api.services.outbox.entries(ANA))
    headers = {**AUTH, "Idempotency-Key": "reply-1"}
    body = {"text": "  Oi, Ana! Aqui é a Júlia. Já estou vendo seu caso.  "}
    first = await api.http.post(f"/admin/tickets/{ticket}/reply", json=body, headers=headers)
    again = await api.http.post(f"/admin/tickets/{ticket}/reply", json=body, headers=headers)
    assert first.status_code == 202 and first.json()["queued"] is True
    assert again.json()["queued"] is False
    entries = await api.services.outbox.entries(ANA)
    assert len(entries) == before + 1
    assert entries[-1].source == "agent:atendimento"
    assert entries[-1].messages == [
        {"type": "text", "text": "Oi, Ana! Aqui é a Júlia. Já estou vendo seu caso."}
    ]
    detail = (await api.http.get(f"/admin/tickets/{ticket}", headers=AUTH)).json()
    assert [r["text"] for r in detail["ticket"]["replies"]] == [
        "Oi, Ana! Aqui é a Júlia. Já estou vendo seu caso."
    ]


async def test_reply_bodies_are_validated(api: Admin) -> None:
    ticket = await api.handed_off()
    url = f"/admin/tickets/{ticket}/reply"
    for body in ({}, {"text": "   "}, {"text": "x" * 4097}, {"text": "oi", "extra": 1}):
        assert (await api.http.post(url, json=body, headers=AUTH)).status_code == 422
    missing = await api.http.post(
        "/admin/tickets/ATD-99999/reply", json={"text": "oi"}, headers=AUTH
    )
    assert missing.status_code == 404


async def test_reply_outside_the_24h_window_is_refused(api: Admin) -> None:
    ticket = await api.handed_off()
    await api.services.window.forget(ANA)
    response = await api.http.post(
        f"/admin/tickets/{ticket}/reply", json={"text": "oi"}, headers=AUTH
    )
    assert response.status_code == 409


async def test_release_gives_the_conversation_back_to_the_bot(api: Admin) -> None:
    ticket = await api.handed_off()
    assert "Recebi sua mensagem" in (await api.say("oi")).messages[0]["text"]
    released = await api.http.post(f"/admin/tickets/{ticket}/release", headers=AUTH)
    assert released.status_code == 200
    assert released.json() == {"ticket": ticket, "released": True}
    closed = await api.tickets.get(ticket)
    assert closed is not None and closed.closed
    assert await api.tickets.list_open() == []
    answer = await api.say("qual o horário de vocês?")
    assert answer.handoff is None and "human_mode" not in answer.path
    assert text_of(answer)
    again = await api.http.post(f"/admin/tickets/{ticket}/release", headers=AUTH)
    assert again.json() == {"ticket": ticket, "released": False}
    late = await api.http.post(f"/admin/tickets/{ticket}/reply", json={"text": "oi"}, headers=AUTH)
    assert late.status_code == 409
