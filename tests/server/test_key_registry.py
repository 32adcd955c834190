"""Every key the running service writes is in the registry; both redacts leave nothing behind.

The service runs with its workers on the test Redis and serves a day's traffic: a customer
who proves who she is, asks for a person and hears back from staff; another customer; a
status webhook; a store webhook that sends a notice; a data request; a message that died.
Then the whole database is read, names and values, with and without an encryption key.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from composition.settings import DEMO_WEBHOOK_SECRET
from server.app import create_app
from server.inbound import encode
from server.key_registry import FAMILIES, families_of
from server.services import Services
from server.signatures import hex_signature
from server.streams import Entry
from tests.reliability.support import inbound
from tests.server import whatsapp
from tests.server.conftest import service_settings

ANA = "5511987654321"
BRUNO = "5521998765432"
ANA_CUSTOMER = {
    "id": 742180101,
    "email": "ana.souza@example.com",
    "phone": "+5511987654321",
    "identification": "52998224725",
}
ANA_MARKS = ("987654321", "ana.souza@example.com", "52998224725", "Ana Souza", "Rua Harmonia")
BRUNO_MARKS = ("998765432", "Bruno Lima")
TOKEN = "staff-token-" + "k" * 24
KEY = "0123456789abcdef" * 4  # hex of 32 bytes: an AES-256 key


@dataclass
class Running:
    http: httpx.AsyncClient
    services: Services
    exports: Path

    @property
    def prefix(self) -> str:
        return self.services.settings.redis_prefix

    async def say(self, wa_id: str, text: str, name: str) -> None:
        body, headers = whatsapp.signed(whatsapp.message(wa_id, text, name=name))
        assert (
            await self.http.post("/webhooks/whatsapp", content=body, headers=headers)
        ).is_success
        await self.settle()

    async def store(self, payload: dict[str, Any], path: str = "") -> None:
        body = json.dumps(payload).encode()
        headers = {
            "content-type": "application/json",
            "x-linkedstore-hmac-sha256": hex_signature(DEMO_WEBHOOK_SECRET, body),
        }
        reply = await self.http.post(f"/webhooks/nuvemshop{path}", content=body, headers=headers)
        assert reply.is_success, reply.text
        await self.settle()

    async def settle(self) -> None:
        """Wait until the workers have nothing left: every stream handled, every reply sent."""
        redis = self.services.redis
        streams = (
            *self.services.inbound.streams,
            *self.services.outbox.streams,
            self.services.store_events.stream,
        )
        await asyncio.sleep(0.3)
        for _ in range(200):
            lengths = [await redis.xlen(s) if await redis.exists(s) else 0 for s in streams]
            if not any(lengths):
                await asyncio.sleep(0.2)
                return
            await asyncio.sleep(0.05)
        pytest.fail(f"the workers did not drain their streams: {lengths}")


@pytest.fixture(params=["plain", "encrypted"])
async def running(
    request: pytest.FixtureRequest, redis_url: str, prefix: str, tmp_path: Path, redis_client: Redis
) -> AsyncIterator[Running]:
    extra: dict[str, Any] = {"debounce_seconds": 0.1, "admin_token": TOKEN}
    if request.param == "encrypted":
        extra["encryption_key"] = KEY
    app = create_app(service_settings(redis_url, prefix, tmp_path, **extra))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://atendente") as http:
            yield Running(http, app.state.services, tmp_path / "exports")


async def a_day_of_traffic(running: Running) -> None:
    await running.say(ANA, "oi, cadê meu pedido 1001?", "Ana Souza")
    await running.say(ANA, "ana.souza@example.com", "Ana Souza")
    await running.say(ANA, "veio quebrado, quero falar com um atendente", "Ana Souza")
    await running.say(BRUNO, "oi, qual o horário de vocês?", "Bruno Lima")
    staff = {"authorization": f"Bearer {TOKEN}"}
    [ticket] = (await running.http.get("/admin/tickets", headers=staff)).json()["tickets"]
    reply = {"text": "Oi Ana, aqui é a Carla da equipe de trocas. Já estou vendo seu pedido."}
    posted = await running.http.post(
        f"/admin/tickets/{ticket['id']}/reply", json=reply, headers=staff
    )
    assert posted.status_code == 202, posted.text
    await running.settle()
    await running.say(ANA, "obrigada, fico no aguardo", "Ana Souza")
    body, headers = whatsapp.signed(whatsapp.status(ANA, "delivered"))
    await running.http.post("/webhooks/whatsapp", content=body, headers=headers)
    await running.store({"store_id": 1, "event": "order/fulfilled", "id": 1890000104})
    await running.store(
        {"store_id": 1, "customer": ANA_CUSTOMER, "data_request": {"id": 31}},
        path="/customers-data-request",
    )
    await a_message_that_died(running, ANA, "meu cpf é 529.982.247-25")


async def a_message_that_died(running: Running, wa_id: str, text: str) -> None:
    """A message the worker failed on five times, buried as the queue buries it.

    Built as the intake stores it rather than sent through the stream, where the live
    workers would answer it first.
    """
    services = running.services
    stored = services.protection.seal(encode(inbound(wa_id, text)))
    entry = Entry("0-1", {"message": stored}, deliveries=5)
    [queue] = [
        shard
        for shard in services.inbound_queue.shards
        if shard.stream == services.inbound.stream_for(wa_id)
    ]
    await queue.bury(entry, "handler kept failing")


async def everything(redis: Redis, prefix: str) -> dict[str, str]:
    """Every key under the prefix and its whole value as text."""
    found: dict[str, str] = {}
    async for raw in redis.scan_iter(match=f"{prefix}*"):
        key = raw.decode()
        kind = (await redis.type(key)).decode()
        value: Any
        if kind == "string":
            value = await redis.get(key)
        elif kind == "hash":
            value = await redis.hgetall(key)
        elif kind == "list":
            value = await redis.lrange(key, 0, -1)
        elif kind == "set":
            value = await redis.smembers(key)
        elif kind == "zset":
            value = await redis.zrange(key, 0, -1)
        elif kind == "stream":
            value = await redis.xrange(key)
        else:
            value = kind
        found[key] = _text(value)
    return found


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        return " ".join(f"{_text(k)}={_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple | set):
        return " ".join(_text(v) for v in value)
    return str(value)


def mentions(keys: dict[str, str], marks: tuple[str, ...], *, values: bool = True) -> list[str]:
    return [
        key
        for key, value in keys.items()
        if any(mark in key or (values and mark in value) for mark in marks)
    ]


def exported(exports: Path) -> list[str]:
    return [path.read_text(encoding="utf-8") for path in exports.glob("*.json")]


async def test_every_key_the_service_writes_is_registered_and_expires_as_promised(
    running: Running,
) -> None:
    await a_day_of_traffic(running)
    redis = running.services.redis
    keys = await everything(redis, running.prefix)

    unknown = [key for key in keys if len(families_of(key, running.prefix)) != 1]
    assert not unknown, f"keys no single registry family describes: {unknown}"
    seen = {families_of(key, running.prefix)[0].name for key in keys}
    expected = {
        "checkpoints",
        "service window",
        "answered",
        "tickets",
        "ticket sender index",
        "ticket indexes",
        "order cache",
        "dead letters",
        "outbox marks",
        "admin rate limit",
        "log key",
    }
    assert expected <= seen, f"the traffic did not reach {expected - seen}"
    for key in keys:
        family = families_of(key, running.prefix)[0]
        if family.lifetime == "ttl":
            assert await redis.pttl(key) != -1, f"{key} ({family.name}) promises a TTL"


async def test_with_an_encryption_key_no_name_or_value_shows_personal_data(
    running: Running,
) -> None:
    if not running.services.protection.hides:
        pytest.skip("only with ATENDENTE_ENCRYPTION_KEY")
    await a_day_of_traffic(running)
    keys = await everything(running.services.redis, running.prefix)
    production = {
        key: value
        for key, value in keys.items()
        if not families_of(key, running.prefix)[0].development_only
    }
    assert mentions(production, ANA_MARKS + BRUNO_MARKS) == []


async def test_customers_redact_leaves_nothing_of_her_anywhere(running: Running) -> None:
    await a_day_of_traffic(running)
    assert exported(running.exports), "the data request wrote an export"
    await running.store(
        {"store_id": 1, "customer": ANA_CUSTOMER, "orders_to_redact": [1001]},
        path="/customers-redact",
    )
    keys = await everything(running.services.redis, running.prefix)
    left = mentions(keys, ANA_MARKS)
    assert left == [], {key: keys[key][:200] for key in left}
    assert not [text for text in exported(running.exports) if "ana.souza" in text]
    assert mentions(keys, ("998765432",), values=False), "Bruno's conversation stays"
    tickets = await running.services.handoff.store.for_sender(ANA)
    assert tickets == []


async def test_store_redact_leaves_no_personal_key_and_the_service_keeps_answering(
    running: Running,
) -> None:
    await a_day_of_traffic(running)
    await running.store({"store_id": 1}, path="/store-redact")
    keys = await everything(running.services.redis, running.prefix)
    personal = [
        key
        for key, value in keys.items()
        if families_of(key, running.prefix)[0].personal
        and not families_of(key, running.prefix)[0].development_only
        and not (families_of(key, running.prefix)[0].lifetime == "until handled" and not value)
    ]
    assert personal == [], "only the workers' streams come back, and empty"
    assert mentions(keys, ANA_MARKS + BRUNO_MARKS) == []
    assert exported(running.exports) == []

    fake = running.services.whatsapp.fake
    assert fake is not None
    before = len(fake.messages(BRUNO))
    await running.say(BRUNO, "oi, ainda estão aí?", "Bruno Lima")
    assert len(fake.messages(BRUNO)) > before, "the workers survived their streams' deletion"


def test_the_readme_lists_every_family_as_the_registry_describes_it() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    for family in FAMILIES:
        patterns = ", ".join(f"`{pattern}`" for pattern in family.patterns)
        assert f"| {patterns} | {family.holds}" in readme, family.name
