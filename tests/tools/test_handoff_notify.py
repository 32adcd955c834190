"""Department notices: a WhatsApp message per department and a signed, retried webhook."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tools.departments import InMemoryTicketStore, Ticket
from tools.handoff_notify import (
    SIGNATURE_HEADER,
    DepartmentNotifier,
    NotifyingTicketStore,
    notice_text,
)

SECRET = "inbox-secret"
URL = "https://inbox.example.com/hooks/atendente"
ANA = "5511987654321"


def a_ticket(**changes: Any) -> Ticket:
    fields: dict[str, Any] = {
        "id": "ATD-00042",
        "department": "logistica",
        "reason": "delivery_problem",
        "sender_id": ANA,
        "order_number": "1001",
        "opened_at": datetime(2026, 11, 24, 17, 0, tzinfo=UTC),
        "evidence": {
            "delivery_problems": [
                {
                    "kind": "stalled",
                    "tracking_code": "AA123456785BR",
                    "carrier": "Correios",
                    "business_days_without_update": 7,
                }
            ]
        },
    }
    fields.update(changes)
    return Ticket(**fields)


class Inbox:
    """An inbox behind httpx.MockTransport that fails the first `failures` posts."""

    def __init__(self, failures: int = 0, status: int = 500) -> None:
        self.failures = failures
        self.status = status
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if len(self.requests) <= self.failures:
            return httpx.Response(self.status)
        return httpx.Response(200, json={"id": 1})


class Sent:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def __call__(
        self, recipient: str, messages: list[dict[str, Any]], *, key: str, source: str
    ) -> str:
        self.calls.append(
            {"recipient": recipient, "messages": messages, "key": key, "source": source}
        )
        return "1-0"


class Sleeps(list[float]):
    """Records the backoff waits instead of waiting."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def notifier(
    inbox: Inbox | None = None, sleeps: Sleeps | None = None, **options: Any
) -> DepartmentNotifier:
    return DepartmentNotifier(
        webhook_url=URL if inbox else None,
        webhook_secret=SECRET if inbox else None,
        transport=httpx.MockTransport(inbox) if inbox else None,
        sleep=sleeps if sleeps is not None else Sleeps(),
        **options,
    )


def test_notice_text_is_portuguese_and_complete() -> None:
    text = notice_text(a_ticket(), "https://painel.example.com/tickets/ATD-00042")
    assert text.splitlines() == [
        "Novo atendimento #ATD-00042 (logistica)",
        "Motivo: problema na entrega",
        "Pedido: #1001",
        "Evidência: entrega parada há 7 dias úteis (AA123456785BR, Correios)",
        "Abra o atendimento: https://painel.example.com/tickets/ATD-00042",
    ]
    plain = notice_text(a_ticket(order_number=None, evidence={}, reason="human_request"), None)
    assert "Pedido: não informado" in plain
    assert "POST /admin/tickets/ATD-00042/reply" in plain


async def test_whatsapp_notice_goes_to_the_department_number_once_per_ticket() -> None:
    sent = Sent()
    notify = notifier(whatsapp={"logistica": "+5511955554444"}, send=sent)
    await notify.notify(a_ticket())
    await notify.notify(a_ticket(department="financeiro"))
    [call] = sent.calls
    assert call["recipient"] == "5511955554444"
    assert call["key"] == "handoff-notice:ATD-00042"
    assert call["source"] == "handoff:logistica"
    assert call["messages"][0]["text"].startswith("Novo atendimento #ATD-00042 (logistica)")


async def test_webhook_is_signed_and_shaped_for_an_inbox() -> None:
    inbox = Inbox()
    notify = notifier(inbox, ticket_url="https://painel.example.com/t/{ticket}")
    await notify.notify(a_ticket())
    await notify.aclose()
    [request] = inbox.requests
    body = request.content
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers[SIGNATURE_HEADER], expected)
    assert request.headers["X-Atendente-Delivery"] == "ATD-00042"
    payload = json.loads(body)
    assert payload["event"] == "ticket.opened"
    assert payload["ticket"]["id"] == "ATD-00042"
    assert payload["ticket"]["department"] == "logistica"
    assert payload["ticket"]["reason"] == "delivery_problem"
    assert payload["ticket"]["order_number"] == "1001"
    assert payload["ticket"]["url"] == "https://painel.example.com/t/ATD-00042"
    assert payload["ticket"]["evidence"]["delivery_problems"][0]["kind"] == "stalled"
    assert payload["customer"] == {"wa_id": ANA}
    assert payload["contact"] == {"identifier": ANA, "phone_number": f"+{ANA}"}
    conversation = payload["conversation"]
    assert conversation["source_id"] == "ATD-00042"
    assert conversation["custom_attributes"]["department"] == "logistica"
    assert conversation["message"]["content"].startswith("Novo atendimento #ATD-00042")


async def test_webhook_retries_server_errors_with_backoff() -> None:
    sleeps = Sleeps()
    inbox = Inbox(failures=2)
    await notifier(inbox, sleeps, backoff_seconds=0.5).notify(a_ticket())
    assert len(inbox.requests) == 3
    assert sleeps == [0.5, 1.0]
    assert len({r.headers[SIGNATURE_HEADER] for r in inbox.requests}) == 1


async def test_webhook_failures_are_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    inbox = Inbox(failures=10)
    with caplog.at_level(logging.WARNING, logger="tools.handoff_notify"):
        await notifier(inbox, attempts=3).notify(a_ticket())
    assert len(inbox.requests) == 3
    assert "gave up on ticket ATD-00042" in caplog.text
    assert ANA not in caplog.text and "AA123456785BR" not in caplog.text


async def test_client_errors_are_not_retried() -> None:
    inbox = Inbox(failures=10, status=401)
    await notifier(inbox).notify(a_ticket())
    assert len(inbox.requests) == 1


async def test_network_errors_are_retried() -> None:
    calls = 0

    def flaky(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(204)

    notify = DepartmentNotifier(
        webhook_url=URL, webhook_secret=SECRET, transport=httpx.MockTransport(flaky), sleep=Sleeps()
    )
    await notify.notify(a_ticket())
    assert calls == 2


def test_a_webhook_without_a_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="secret"):
        DepartmentNotifier(webhook_url=URL)


async def test_a_business_scoped_id_is_not_a_phone_number() -> None:
    inbox = Inbox()
    await notifier(inbox).notify(a_ticket(sender_id="BR.123abc"))
    payload = json.loads(inbox.requests[0].content)
    assert payload["contact"] == {"identifier": "BR.123abc", "phone_number": None}


async def test_notifying_store_opens_then_notifies_in_the_background() -> None:
    inbox = Inbox()
    sent = Sent()
    inner = InMemoryTicketStore()
    store = NotifyingTicketStore(
        inner, notifier(inbox, whatsapp={"financeiro": "5511955554444"}, send=sent)
    )
    ticket = await store.open(
        department="financeiro", reason="refund", sender_id=ANA, order_number="1002"
    )
    await store.drain()
    assert len(inbox.requests) == 1 and len(sent.calls) == 1
    assert json.loads(inbox.requests[0].content)["ticket"]["id"] == ticket.id
    await store.append(ticket.id, "oi")
    await store.close(ticket.id)
    found = await store.get(ticket.id)
    assert found is not None and found.closed and found.messages == ["oi"]
