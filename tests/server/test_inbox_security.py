"""The inbox's own security: sessions, departments, CSRF, rate limits, cookie flags."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis

from agent.state import Inbound
from agent.turn import run_turn
from server.app import create_app
from server.routes import inbox
from server.services import Services
from tests.server.conftest import service_settings
from tests.support import OFFICE_HOURS

ANA = "5511987654321"
PASSWORD = "uma-senha-longa-1"
TOKEN = "admin-token-for-tests"


@dataclass
class Inbox:
    app: FastAPI
    services: Services

    def client(self, base: str = "https://atendente") -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app)
        return httpx.AsyncClient(transport=transport, base_url=base)

    async def handed_off(self, wa_id: str = ANA) -> str:
        await self.services.window.customer_wrote(wa_id)
        inbound = Inbound(sender_id=wa_id, phone=f"+{wa_id}", text="quero falar com um atendente")
        result = await run_turn(self.services.graph, self.services.context, inbound)
        assert result.handoff is not None
        ticket: str = result.handoff["ticket"]
        return ticket


@pytest.fixture
async def desk(
    redis_url: str, prefix: str, tmp_path: Path, redis_client: Redis
) -> AsyncIterator[Inbox]:
    settings = service_settings(
        redis_url, prefix, tmp_path, admin_token=TOKEN, inbox_login_attempts_per_minute=5
    )
    app = create_app(settings, run_workers=False)
    async with app.router.lifespan_context(app):
        services: Services = app.state.services
        services.context = replace(services.context, clock=lambda: OFFICE_HOURS)
        agents = app.state.inbox.agents
        await agents.save("julia", name="Júlia", department="atendimento", password=PASSWORD)
        await agents.save("fabio", name="Fábio", department="financeiro", password=PASSWORD)
        await agents.save(
            "sara", name="Sara", department="financeiro", password=PASSWORD, all_departments=True
        )
        yield Inbox(app, services)


async def sign_in(http: httpx.AsyncClient, login: str) -> str:
    response = await http.post("/inbox/api/session", json={"login": login, "password": PASSWORD})
    assert response.status_code == 200, response.text
    csrf: str = response.json()["csrf"]
    return csrf


async def test_nothing_answers_without_a_session(desk: Inbox) -> None:
    ticket = await desk.handed_off()
    async with desk.client() as http:
        for method, path in [
            ("GET", "/inbox/api/me"),
            ("GET", "/inbox/api/tickets"),
            ("GET", f"/inbox/api/tickets/{ticket}"),
            ("GET", "/inbox/api/events"),
            ("POST", f"/inbox/api/tickets/{ticket}/reply"),
            ("POST", f"/inbox/api/tickets/{ticket}/release"),
        ]:
            response = await http.request(method, path, json={"text": "oi"})
            assert response.status_code == 401, (method, path)
        http.cookies.set(inbox.COOKIE, "forged-token", path="/inbox")
        assert (await http.get("/inbox/api/tickets")).status_code == 401
        page = await http.get("/inbox")
        assert page.status_code == 200 and "Entrar" in page.text
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


async def test_a_wrong_password_or_login_is_refused_alike(desk: Inbox) -> None:
    async with desk.client() as http:
        wrong = await http.post("/inbox/api/session", json={"login": "julia", "password": "x"})
        nobody = await http.post("/inbox/api/session", json={"login": "ninguem", "password": "x"})
        assert wrong.status_code == nobody.status_code == 401
        assert wrong.json() == nobody.json()
        assert inbox.COOKIE not in http.cookies


async def test_the_session_cookie_is_httponly_strict_and_secure_off_loopback(
    desk: Inbox,
) -> None:
    async with desk.client() as http:
        response = await http.post(
            "/inbox/api/session", json={"login": "julia", "password": PASSWORD}
        )
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "secure" in cookie
        assert "path=/inbox" in cookie and "max-age=43200" in cookie
    async with desk.client("http://127.0.0.1:8000") as local:
        response = await local.post(
            "/inbox/api/session", json={"login": "julia", "password": PASSWORD}
        )
        assert "secure" not in response.headers["set-cookie"].lower()


async def test_an_agent_sees_only_their_departments_tickets(desk: Inbox) -> None:
    ticket = await desk.handed_off()
    async with desk.client() as fabio, desk.client() as sara, desk.client() as julia:
        csrf = await sign_in(fabio, "fabio")
        assert (await fabio.get("/inbox/api/tickets")).json()["tickets"] == []
        assert (await fabio.get(f"/inbox/api/tickets/{ticket}")).status_code == 404
        assert (await fabio.get("/inbox/api/tickets?department=atendimento")).status_code == 404
        headers = {"x-csrf-token": csrf}
        for action, body in [("reply", {"text": "oi"}), ("release", None), ("note", {"text": "x"})]:
            refused = await fabio.post(
                f"/inbox/api/tickets/{ticket}/{action}", json=body, headers=headers
            )
            assert refused.status_code == 404, action

        await sign_in(sara, "sara")
        seen = [t["id"] for t in (await sara.get("/inbox/api/tickets")).json()["tickets"]]
        assert seen == [ticket], "a supervisor allowed every department sees it"

        csrf = await sign_in(julia, "julia")
        listed = (await julia.get("/inbox/api/tickets")).json()["tickets"]
        assert [t["id"] for t in listed] == [ticket]
        moved = await julia.post(
            f"/inbox/api/tickets/{ticket}/transfer",
            json={"department": "financeiro"},
            headers={"x-csrf-token": csrf},
        )
        assert moved.status_code == 200
        assert (await julia.get(f"/inbox/api/tickets/{ticket}")).status_code == 404
        assert (await fabio.get(f"/inbox/api/tickets/{ticket}")).status_code == 200


async def test_changes_without_the_csrf_token_are_refused(desk: Inbox) -> None:
    ticket = await desk.handed_off()
    async with desk.client() as http:
        csrf = await sign_in(http, "julia")
        url = f"/inbox/api/tickets/{ticket}/reply"
        for headers in [{}, {"x-csrf-token": "wrong"}, {"x-csrf-token": ""}]:
            refused = await http.post(url, json={"text": "oi"}, headers=headers)
            assert refused.status_code == 403
        assert (await http.delete("/inbox/api/session")).status_code == 403
        ok = await http.post(url, json={"text": "Oi, Ana!"}, headers={"x-csrf-token": csrf})
        assert ok.status_code == 202
        entries = await desk.services.outbox.entries(ANA)
        assert [e.messages[0]["text"] for e in entries if e.source.startswith("agent:")] == [
            "Oi, Ana!"
        ]


async def test_sign_in_attempts_are_limited_per_address_and_per_login(desk: Inbox) -> None:
    async with desk.client() as http:
        codes = [
            (await http.post("/inbox/api/session", json={"login": "julia", "password": "x"}))
            for _ in range(6)
        ]
        assert [c.status_code for c in codes] == [401] * 5 + [429]
        assert 1 <= int(codes[-1].headers["retry-after"]) <= 60
    other = httpx.ASGITransport(app=desk.app, client=("10.0.0.9", 4000))
    async with httpx.AsyncClient(transport=other, base_url="https://atendente") as elsewhere:
        blocked = await elsewhere.post(
            "/inbox/api/session", json={"login": "julia", "password": PASSWORD}
        )
        assert blocked.status_code == 429, "the login itself is limited, from any address"
        fabio = await elsewhere.post(
            "/inbox/api/session", json={"login": "fabio", "password": PASSWORD}
        )
        assert fabio.status_code == 200


async def test_signing_out_or_removing_the_agent_ends_the_session(desk: Inbox) -> None:
    async with desk.client() as http, desk.client() as again:
        csrf = await sign_in(http, "julia")
        out = await http.delete("/inbox/api/session", headers={"x-csrf-token": csrf})
        assert out.status_code == 200
        assert (await http.get("/inbox/api/me")).status_code == 401
        await sign_in(again, "julia")
        admin = {"Authorization": f"Bearer {TOKEN}"}
        assert (await again.delete("/admin/agents/julia", headers=admin)).status_code == 200
        assert (await again.get("/inbox/api/me")).status_code == 401


async def test_sessions_expire(desk: Inbox, redis_client: Redis, prefix: str) -> None:
    async with desk.client() as http:
        await sign_in(http, "julia")
        keys = [k async for k in redis_client.scan_iter(match=f"{prefix}:inbox:session:*")]
        assert len(keys) == 1
        assert 0 < await redis_client.ttl(keys[0]) <= 12 * 3600
        token = http.cookies[inbox.COOKIE]
        assert token.encode() not in keys[0], "Redis keeps a digest, not the cookie"


async def test_a_signed_in_agents_requests_are_limited(desk: Inbox) -> None:
    desk.app.state.inbox = replace(desk.app.state.inbox, requests_per_minute=3)
    async with desk.client() as http:
        await sign_in(http, "julia")
        codes = [(await http.get("/inbox/api/tickets")).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]


async def test_admins_manage_agents_through_the_admin_api(desk: Inbox) -> None:
    admin = {"Authorization": f"Bearer {TOKEN}"}
    async with desk.client() as http:
        body = {"name": "Rui", "department": "logistica", "password": "curta"}
        assert (await http.put("/admin/agents/rui", json=body, headers=admin)).status_code == 422
        body["password"] = PASSWORD
        assert (await http.put("/admin/agents/rui", json=body)).status_code == 401
        saved = await http.put("/admin/agents/rui", json=body, headers=admin)
        assert saved.json()["agent"]["department"] == "logistica"
        listed = (await http.get("/admin/agents", headers=admin)).json()["agents"]
        assert "rui" in [a["login"] for a in listed]
        assert "password" not in str(listed)
        await sign_in(http, "rui")
