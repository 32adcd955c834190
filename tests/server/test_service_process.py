"""The probe's failures, replayed against `atendente serve` running as a real process.

- Every `customers/redact` is carried out, not only the first in three days.
- A signed `store/redact` deletes the streams under the workers; they keep answering.
- `atendente chat`, run beside the service, numbers its tickets from the same store: the
  service's admin API sees them, and a stranger's messages never land on another ticket.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from benchmarks._procs import child_env
from composition.settings import DEMO_WEBHOOK_SECRET
from server.signatures import hex_signature
from tests.server import whatsapp
from tests.server.serve_process import ServeProcess, serve_process

ANA = "5511987654321"
BRUNO = "5521998765432"
CARLA = "5531912345678"
STRANGER = "5541987650000"
TOKEN = "staff-token-" + "p" * 24
STAFF = {"authorization": f"Bearer {TOKEN}"}


async def say(serve: ServeProcess, wa_id: str, text: str) -> None:
    body, headers = whatsapp.signed(whatsapp.message(wa_id, text))
    reply = await serve.client.post("/webhooks/whatsapp", content=body, headers=headers)
    assert reply.status_code == 200, reply.text


async def store_webhook(serve: ServeProcess, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps(payload).encode()
    headers = {
        "content-type": "application/json",
        "x-linkedstore-hmac-sha256": hex_signature(DEMO_WEBHOOK_SECRET, body),
    }
    reply = await serve.client.post(f"/webhooks/nuvemshop{path}", content=body, headers=headers)
    assert reply.status_code == 200, reply.text
    result: dict[str, Any] = reply.json()
    return result


async def eventually(check: Any, *, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.1)
    return False


async def test_every_customers_redact_is_carried_out(
    redis_client: Redis, redis_url: str, prefix: str, tmp_path: Path
) -> None:
    thread = f"{prefix}:cp:{{{ANA}}}"
    async with serve_process(redis_url, prefix, tmp_path) as serve:
        await say(serve, ANA, "oi, cadê meu pedido 1001?")
        await say(serve, BRUNO, "oi")
        assert await eventually(lambda: redis_client.exists(thread))
        bruno = {"store_id": 1, "customer": {"id": 2, "phone": "+" + BRUNO}}
        ana = {"store_id": 1, "customer": {"id": 1, "phone": "+" + ANA}}
        assert await store_webhook(serve, "/customers-redact", bruno) == {"status": "queued"}
        assert await store_webhook(serve, "/customers-redact", ana) == {"status": "queued"}
        assert await eventually(lambda: _gone(redis_client, thread)), serve.output()[-2000:]
        again = await store_webhook(serve, "/customers-redact", ana)
        assert again == {"status": "duplicate"}, "Nuvemshop's retry of the same request"


async def _gone(redis: Redis, key: str) -> bool:
    return not await redis.exists(key)


async def _logged(serve: ServeProcess, text: str) -> bool:
    return text in serve.output()


async def test_the_service_keeps_answering_after_a_store_redact_deletes_its_streams(
    redis_client: Redis, redis_url: str, prefix: str, tmp_path: Path
) -> None:
    recorded = f"{prefix}:dev:fake-graph:{BRUNO}"
    async with serve_process(redis_url, prefix, tmp_path) as serve:
        await say(serve, ANA, "oi")
        assert await store_webhook(serve, "/store-redact", {"store_id": 1}) == {"status": "queued"}
        assert await eventually(lambda: _logged(serve, "store redacted"))
        await say(serve, BRUNO, "oi, qual o horário de vocês?")
        assert await eventually(lambda: redis_client.exists(recorded)), serve.output()[-2000:]
        assert (await serve.client.get("/readyz")).status_code == 200


def run_chat(redis_url: str, prefix: str, work_dir: Path, sender: str, text: str) -> dict[str, Any]:
    """`atendente chat --json` as its own process: one line in, one turn's JSON out."""
    command = [str(Path(sys.executable).with_name("atendente")), "chat", "--as", sender, "--json"]
    env = child_env(redis_url, prefix, work_dir / "data", debounce=0)
    done = subprocess.run(
        command, input=text + "\n", env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    turn: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return turn


async def test_the_chat_and_the_service_share_one_ticket_store(
    redis_url: str, prefix: str, tmp_path: Path
) -> None:
    async with serve_process(redis_url, prefix, tmp_path, ATENDENTE_ADMIN_TOKEN=TOKEN) as serve:
        await say(serve, CARLA, "quero falar com um atendente")

        async def carla_has_a_ticket() -> bool:
            listed = (await serve.client.get("/admin/tickets", headers=STAFF)).json()
            return len(listed["tickets"]) == 1

        assert await eventually(carla_has_a_ticket), serve.output()[-2000:]
        [carla] = (await serve.client.get("/admin/tickets", headers=STAFF)).json()["tickets"]

        turn = await asyncio.to_thread(
            run_chat, redis_url, prefix, tmp_path, "+" + STRANGER, "quero falar com um atendente"
        )
        theirs = turn["handoff"]["ticket"]
        assert theirs != carla["id"], "the chat re-issued a number the service had given"
        listed = (await serve.client.get("/admin/tickets", headers=STAFF)).json()["tickets"]
        assert sorted(t["id"] for t in listed) == sorted([carla["id"], theirs])

        await say(serve, STRANGER, "alguém aí? meu nome é Diego")

        async def on_his_ticket() -> bool:
            his = await serve.client.get(f"/admin/tickets/{theirs}", headers=STAFF)
            return "Diego" in his.text

        assert await eventually(on_his_ticket), serve.output()[-2000:]
        hers = await serve.client.get(f"/admin/tickets/{carla['id']}", headers=STAFF)
        assert "Diego" not in hers.text
