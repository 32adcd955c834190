import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from integrations.nuvemshop.client import ORDER_FIELDS, NuvemshopClient
from integrations.nuvemshop.demo import DEMO_ACCESS_TOKEN, DEMO_STORE_ID, demo_transport
from integrations.nuvemshop.errors import (
    NuvemshopAuthError,
    NuvemshopRateLimited,
    NuvemshopServerError,
    NuvemshopUnavailable,
    NuvemshopValidationError,
)
from integrations.nuvemshop.models import Order
from integrations.nuvemshop.session import RetryPolicy

from .conftest import USER_AGENT

FAST_RETRY = RetryPolicy(attempts=4, initial_backoff=0.01, max_backoff=0.02)
ORDER = {"id": 7, "number": 1001, "status": "open", "payment_status": "paid"}
RATE_HEADERS = {"x-rate-limit-limit": "40", "x-rate-limit-remaining": "0"}

Step = Callable[[httpx.Request], httpx.Response]


class Script:
    """A mock API answering each call with the next step; the last step repeats."""

    def __init__(self, *steps: Step) -> None:
        self.steps = steps
        self.calls: list[tuple[float, httpx.Request]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.calls.append((time.monotonic(), request))
        return self.steps[min(len(self.calls), len(self.steps)) - 1](request)


def status(code: int, body: object = None, **headers: str) -> Step:
    payload = body if body is not None else {"code": code, "message": "x", "description": "y"}
    return lambda request: httpx.Response(code, json=payload, headers=headers)


def timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("slow", request=request)


def refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused", request=request)


def client_with(script: Script, retry: RetryPolicy = FAST_RETRY, **options: Any) -> NuvemshopClient:
    return NuvemshopClient(
        store_id="123",
        access_token="s3cret-token",
        user_agent=USER_AGENT,
        transport=httpx.MockTransport(script.handle),
        retry=retry,
        **options,
    )


async def test_503_twice_then_200_succeeds_on_the_third_attempt() -> None:
    script = Script(status(503), status(503), status(200, ORDER))
    async with client_with(script) as client:
        order = await client.get_order(7)
    assert order is not None and order.number == 1001
    assert len(script.calls) == 3


async def test_persistent_500_raises_server_error_after_all_attempts() -> None:
    script = Script(status(500))
    async with client_with(script) as client:
        with pytest.raises(NuvemshopServerError) as caught:
            await client.search_orders("ana")
    assert caught.value.status_code == 500
    assert len(script.calls) == FAST_RETRY.attempts


@pytest.mark.parametrize("failure", [timeout, refused])
async def test_no_answer_is_retried_then_unavailable(failure: Step) -> None:
    script = Script(failure)
    async with client_with(script) as client:
        with pytest.raises(NuvemshopUnavailable):
            await client.find_order_by_number(1001)
    assert len(script.calls) == FAST_RETRY.attempts


async def test_a_timeout_then_an_answer_succeeds() -> None:
    script = Script(timeout, status(200, [ORDER]))
    async with client_with(script) as client:
        assert await client.find_order_by_number(1001) is not None
    assert len(script.calls) == 2


@pytest.mark.parametrize(
    ("code", "error"), [(401, NuvemshopAuthError), (422, NuvemshopValidationError)]
)
async def test_client_errors_are_not_retried(code: int, error: type[Exception]) -> None:
    script = Script(status(code))
    async with client_with(script) as client:
        with pytest.raises(error):
            await client.search_customers("ana")
    assert len(script.calls) == 1


async def test_404_is_not_retried() -> None:
    script = Script(status(404))
    async with client_with(script) as client:
        assert await client.get_order(7) is None
    assert len(script.calls) == 1


async def test_429_waits_for_the_reset_then_succeeds() -> None:
    script = Script(
        status(429, **RATE_HEADERS, **{"x-rate-limit-reset": "300"}), status(200, ORDER)
    )
    async with client_with(script) as client:
        order = await client.get_order(7)
    assert order is not None
    (first, _), (second, _) = script.calls
    assert 0.3 <= second - first < 0.5


async def test_429_until_the_last_attempt_raises_rate_limited() -> None:
    script = Script(status(429, **RATE_HEADERS, **{"x-rate-limit-reset": "20"}))
    policy = RetryPolicy(attempts=2, initial_backoff=0.01)
    async with client_with(script, policy) as client:
        with pytest.raises(NuvemshopRateLimited) as caught:
            await client.get_order(7)
    assert caught.value.reset_ms == 20
    assert len(script.calls) == 2


async def test_429_wait_is_capped() -> None:
    script = Script(status(429, **{"x-rate-limit-reset": "60000"}), status(200, ORDER))
    policy = RetryPolicy(attempts=2, initial_backoff=0.01, max_rate_limit_wait=0.05)
    started = time.monotonic()
    async with client_with(script, policy) as client:
        assert await client.get_order(7) is not None
    assert time.monotonic() - started < 0.5


async def test_default_policy_is_a_single_attempt() -> None:
    script = Script(status(503), status(200, ORDER))
    async with NuvemshopClient(
        store_id="123",
        access_token="t",
        user_agent=USER_AGENT,
        transport=httpx.MockTransport(script.handle),
    ) as client:
        with pytest.raises(NuvemshopServerError):
            await client.get_order(7)
    assert len(script.calls) == 1


async def test_retry_logs_name_the_endpoint_but_no_query_or_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    script = Script(status(503), status(200, []))
    with caplog.at_level(logging.INFO, logger="integrations.nuvemshop"):
        async with client_with(script) as client:
            await client.search_orders("ana.souza@example.com")
    assert "GET /orders: attempt 2 after NuvemshopServerError" in caplog.text
    assert "ana.souza" not in caplog.text and "s3cret" not in caplog.text


async def test_order_requests_ask_only_for_the_support_fields() -> None:
    script = Script(status(200, [ORDER]), status(200, ORDER), status(200, []))
    async with client_with(script, order_fields=ORDER_FIELDS) as client:
        await client.find_order_by_number(1001)
        await client.get_order(7)
        await client.search_customers("ana")
    wanted = ",".join(ORDER_FIELDS)
    fields = [request.url.params.get("fields") for _, request in script.calls]
    assert fields == [wanted, wanted, None]


def test_order_fields_cover_exactly_what_the_order_model_reads() -> None:
    assert sorted(ORDER_FIELDS) == sorted(Order.model_fields)


async def test_api_version_2025_03_is_in_the_path() -> None:
    script = Script(status(200, ORDER))
    async with client_with(script, api_version="2025-03") as client:
        await client.get_order(7)
    _, request = script.calls[0]
    assert request.url.path == "/2025-03/123/orders/7"


async def test_the_demo_store_answers_on_the_dated_version_with_fields() -> None:
    async with NuvemshopClient(
        store_id=DEMO_STORE_ID,
        access_token=DEMO_ACCESS_TOKEN,
        user_agent=USER_AGENT,
        api_version="2025-03",
        order_fields=ORDER_FIELDS,
        transport=demo_transport(),
    ) as client:
        order = await client.find_order_by_number(1001)
    assert order is not None and order.contact_email == "ana.souza@example.com"


@pytest.mark.parametrize("version", ["v2", "2025", "latest", "../v1"])
def test_unknown_api_versions_are_refused(version: str) -> None:
    with pytest.raises(ValueError):
        NuvemshopClient(store_id="1", access_token="t", user_agent="ua", api_version=version)
