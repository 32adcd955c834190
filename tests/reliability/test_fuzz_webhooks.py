"""Correctly signed garbage at the webhooks: refused with a 4xx, never a 5xx, and the app
keeps answering customers afterwards.

The app runs with its workers (a stored garbage message reaches the turn worker too), in
Starlette's `TestClient`, whose portal thread keeps the lifespan and the workers running
while Hypothesis sends one request per example from the test's thread.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, currently_in_test_context, given, note, settings
from hypothesis import strategies as st
from redis import Redis

from composition.settings import DEMO_WEBHOOK_SECRET
from server.app import create_app
from server.services import Services
from server.signatures import hex_signature
from tests.reliability.payloads import json_values, near_valid_meta, near_valid_store
from tests.server import whatsapp
from tests.server.conftest import service_settings

APP_THREAD_USES_RANDOM = pytest.mark.filterwarnings(
    "ignore:Do not use the `random` module inside strategies"
)
"""The app's thread runs turns (LangGraph draws checkpoint ids from `random`) while
Hypothesis generates an example on the test's thread; the warning is about them, not us."""

FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
_late = itertools.count()
STORE_PATHS = ["", "/store-redact", "/customers-redact", "/customers-data-request", "/other"]


@pytest.fixture
def client(redis_url: str, prefix: str, tmp_path: Path, sync_cleanup: None) -> Iterator[TestClient]:
    settings = service_settings(redis_url, prefix, tmp_path, debounce_seconds=0)
    with TestClient(create_app(settings), raise_server_exceptions=True) as test_client:
        yield test_client


def change(value: dict[str, Any]) -> dict[str, Any]:
    """A body whose one `messages` change has `value`."""
    return {
        "object": "whatsapp_business_account",
        "entry": [{"changes": [{"field": "messages", "value": value}]}],
    }


def dumps(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def post_meta(client: TestClient, body: bytes) -> int:
    if currently_in_test_context():
        note(f"POST /webhooks/whatsapp {body[:500]!r}")
    _, headers = whatsapp.signed(body)
    return client.post("/webhooks/whatsapp", content=body, headers=headers).status_code


def post_store(client: TestClient, path: str, body: bytes) -> int:
    if currently_in_test_context():
        note(f"POST /webhooks/nuvemshop{path} {body[:500]!r}")
    headers = {
        "content-type": "application/json",
        "x-linkedstore-hmac-sha256": hex_signature(DEMO_WEBHOOK_SECRET, body),
    }
    return client.post(f"/webhooks/nuvemshop{path}", content=body, headers=headers).status_code


def keeps_working(client: TestClient) -> None:
    """The workers are alive and a customer writing now gets an answer."""
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    assert [t.get_name() for t in services.tasks if t.done()] == []
    wa_id = f"55119777{next(_late):05d}"
    assert post_meta(client, dumps(whatsapp.message(wa_id, "qual o horário de vocês?"))) == 200
    fake = services.whatsapp.fake
    assert fake is not None
    deadline = time.monotonic() + 10
    while not fake.messages(wa_id) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(fake.messages(wa_id)) == 1, "the app stopped answering"


def no_poison_left(client: TestClient, redis_url: str) -> None:
    """Every store event acknowledged at the door was handled: none pending, none dead.

    An event the door accepts and the handler then fails on would be retried five times
    and buried: acknowledged to Nuvemshop, never carried out.
    """
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    redis = Redis.from_url(redis_url)
    stream = services.store_events.stream
    try:
        # Up to a minute: 120 fuzzed events each look an order up, slow on a loaded machine.
        deadline = time.monotonic() + 60
        while redis.xlen(stream) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = redis.xrange(stream)[:3]
        pending = redis.xpending_range(stream, "atendente", "-", "+", 3) if left else []
        assert not left, f"store events left unhandled: {left}; deliveries: {pending}"
        dead = f"{stream}:dead"
        assert not redis.exists(dead) or redis.xlen(dead) == 0, redis.xrange(dead)[:3]
    finally:
        redis.close()


@pytest.mark.slow
@APP_THREAD_USES_RANDOM
def test_whatsapp_webhook_survives_arbitrary_json(client: TestClient) -> None:
    @FUZZ
    @given(payload=json_values)
    def fuzz(payload: Any) -> None:
        assert post_meta(client, dumps(payload)) < 500

    fuzz()
    keeps_working(client)


@pytest.mark.slow
@APP_THREAD_USES_RANDOM
def test_whatsapp_webhook_survives_near_valid_payloads(client: TestClient) -> None:
    @FUZZ
    @given(payload=near_valid_meta())
    def fuzz(payload: Any) -> None:
        assert post_meta(client, dumps(payload)) < 500

    fuzz()
    keeps_working(client)


@pytest.mark.slow
@APP_THREAD_USES_RANDOM
def test_whatsapp_webhook_survives_bytes_that_are_not_json(client: TestClient) -> None:
    @FUZZ
    @given(body=st.binary(max_size=300))
    def fuzz(body: bytes) -> None:
        assert post_meta(client, body) < 500

    fuzz()
    keeps_working(client)


@pytest.mark.slow
@APP_THREAD_USES_RANDOM
def test_store_webhooks_survive_arbitrary_json(client: TestClient, redis_url: str) -> None:
    @FUZZ
    @given(path=st.sampled_from(STORE_PATHS), payload=json_values)
    def fuzz(path: str, payload: Any) -> None:
        assert post_store(client, path, dumps(payload)) < 500

    fuzz()
    keeps_working(client)
    no_poison_left(client, redis_url)


@pytest.mark.slow
@APP_THREAD_USES_RANDOM
def test_store_webhooks_survive_near_valid_payloads(client: TestClient, redis_url: str) -> None:
    @FUZZ
    @given(request=near_valid_store())
    def fuzz(request: tuple[str, Any]) -> None:
        path, payload = request
        assert post_store(client, path, dumps(payload)) < 500

    fuzz()
    keeps_working(client)
    no_poison_left(client, redis_url)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            whatsapp.message("5511955554444", "oi", timestamp=10**17), id="timestamp-out-of-range"
        ),
        pytest.param(whatsapp.message("5511955554444", "oi \ud800"), id="lone-surrogate-text"),
        pytest.param(whatsapp.message("55119\udc005554444", "oi"), id="lone-surrogate-sender"),
        pytest.param(change({"messages": 1}), id="messages-not-a-list"),
        pytest.param(change({"contacts": 1, "messages": [{"id": "w1"}]}), id="contacts-not-a-list"),
        pytest.param(change({"statuses": [{"id": "w", "errors": 5}]}), id="errors-not-a-list"),
        pytest.param(
            change({"metadata": "x", "messages": [{"id": "w2"}]}), id="metadata-not-object"
        ),
        pytest.param(
            change({"messages": [{"id": "w3", "type": "text", "text": "oi"}]}), id="text-str"
        ),
        pytest.param(
            change({"statuses": [{"id": "w4", "errors": [{"code": "²"}]}]}),
            id="code-superscript-two",
        ),
        pytest.param(
            change({"statuses": [{"id": "w5", "errors": [{"code": "9" * 5000}]}]}), id="code-huge"
        ),
        pytest.param(b"[" * 50_000 + b"]" * 50_000, id="nested-too-deep"),
    ],
)
def test_whatsapp_webhook_crashers_found_by_fuzzing(
    client: TestClient, body: dict[str, Any] | bytes
) -> None:
    assert post_meta(client, body if isinstance(body, bytes) else dumps(body)) < 500
    keeps_working(client)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        pytest.param(
            "/customers-data-request",
            {"store_id": 1, "customer": {"phone": "+5531999990000"}, "data_request": "x"},
            id="data-request-not-an-object",
        ),
        pytest.param(
            "", {"store_id": 1, "event": "order/paid", "id": 0, "data_request": []}, id="id-zero"
        ),
        pytest.param(
            "", {"store_id": 1, "event": "order/paid", "id": "1\ud800"}, id="lone-surrogate-id"
        ),
        pytest.param("", {"store_id": math.inf, "event": "order/paid", "id": 1}, id="infinity"),
        pytest.param(
            "", {"store_id": "1", "event": "order/paid", "id": "9" * 5000}, id="id-of-5000-digits"
        ),
        pytest.param("", {"store_id": 1, "event": "order/paid", "id": 2**70}, id="id-past-64-bits"),
        pytest.param(
            "",
            {
                "store_id": 1,
                "event": "fulfillment_order/tracking_event_created",
                "id": 3,
                "order_id": "9" * 5000,
            },
            id="order-id-of-5000-digits",
        ),
        pytest.param("", b"[" * 30_000 + b"]" * 30_000, id="nested-too-deep"),
    ],
)
def test_store_webhook_crashers_found_by_fuzzing(
    client: TestClient, redis_url: str, path: str, body: dict[str, Any] | bytes
) -> None:
    assert post_store(client, path, body if isinstance(body, bytes) else dumps(body)) < 500
    keeps_working(client)
    no_poison_left(client, redis_url)


def test_a_store_redact_leaves_the_workers_running(client: TestClient, redis_url: str) -> None:
    """store/redact deletes the store's outbox stream, and with it the sender's group."""
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    keeps_working(client)
    assert post_store(client, "/store-redact", dumps({"store_id": 1234567})) == 200
    redis = Redis.from_url(redis_url)
    deadline = time.monotonic() + 10
    while redis.xlen(services.store_events.stream) and time.monotonic() < deadline:
        time.sleep(0.05)
    redis.close()
    time.sleep(1.5)  # the workers' next reads, on the recreated stream
    keeps_working(client)
