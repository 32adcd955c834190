"""Tell a department that a conversation is waiting for it, the moment its ticket opens.

Two channels, each optional: a WhatsApp message to the department's own number (queued
through the same outbox as every reply, once per ticket) and a signed HTTP webhook for an
inbox or help desk. A notice that cannot be delivered is logged and dropped; it never
fails the customer's turn, and the ticket stays readable in the admin API regardless.

The webhook body is JSON, signed with `X-Atendente-Signature: <hex HMAC-SHA256 of the raw
body under the webhook secret>`, and shaped so a thin bridge can create a Chatwoot (or
similar) conversation without reshaping it:

    {
      "event": "ticket.opened",
      "ticket": {"id", "department", "reason", "reason_text", "order_number",
                 "opened_at", "evidence", "url"},
      "customer": {"wa_id"},
      "contact": {"identifier", "phone_number"},        # Chatwoot: POST .../contacts
      "conversation": {                                  # Chatwoot: POST .../conversations
        "source_id", "status": "open",
        "custom_attributes": {"ticket_id", "department", "reason", "order_number"},
        "additional_attributes": {"channel": "whatsapp", "evidence": {...}},
        "message": {"content": <the same pt-BR text the WhatsApp notice carries>}
      }
    }

`contact.phone_number` is set only when the WhatsApp id is a phone number (a
business-scoped user id is not). `X-Atendente-Delivery` carries the ticket id, so a
receiver can drop the duplicates that retries may cause.

Every later event of the ticket goes to the same webhook, signed alike, with
`X-Atendente-Event: ticket.<kind>` and `X-Atendente-Delivery: <ticket>:<kind>:<time>`:

    {
      "event": "ticket.customer_message" | "ticket.agent_reply" | "ticket.note"
               | "ticket.assigned" | "ticket.transferred" | "ticket.released",
      "at": <ISO time>,
      "ticket": {"id", "department", "reason", "reason_text", "order_number", "url",
                 "assignee": {"login", "name"} | null},
      "customer": {"wa_id"},
      "conversation": {"source_id": <ticket id>},
      "message": {"content", "message_type": "incoming" | "outgoing",   # with text only
                  "private": <true for notes>},
      "agent": {"login", "name"} | null,
      "details": {...}          # media, template, assignee, from/to department
    }
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

import httpx

from tools.departments import Ticket, TicketStore
from tools.handoff_reasons import spec_of
from tools.problems import PROBLEMS, is_problem
from tools.ticket_events import TicketEvent

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Atendente-Signature"
EVENT = "ticket.opened"
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})

PRIORITY_TEXTS = {"normal": "normal", "high": "alta", "urgent": "urgente"}
PROBLEM_TEXTS = {
    "stalled": "entrega parada",
    "returned": "pacote devolvido",
    "lost": "pacote extraviado",
    "awaiting_pickup": "aguardando retirada",
    "delivered_not_received": "entregue, mas o cliente diz que não recebeu",
}


class MessageSender(Protocol):
    """Queues WhatsApp messages once per key; `Outbox.push` is one."""

    def __call__(
        self, recipient: str, messages: list[dict[str, Any]], *, key: str, source: str
    ) -> Awaitable[object]:
        """Queue `messages` for `recipient` unless `key` was queued before."""
        ...


def signature(secret: str, body: bytes) -> str:
    """The `X-Atendente-Signature` value: hex HMAC-SHA256 of the raw body."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def reason_text(reason: str) -> str:
    """The staff's words for a stored handoff reason; an unknown one is shown as stored."""
    spec = spec_of(reason)
    return spec.staff_text if spec else reason


def _evidence_lines(evidence: Mapping[str, Any]) -> list[str]:
    lines = []
    problem = evidence.get("problem")
    if is_problem(problem):
        spec = PROBLEMS[problem]
        lines.append(
            f"Problema relatado: {spec.staff_text} (prioridade {PRIORITY_TEXTS[spec.priority]})"
        )
    for problem in evidence.get("delivery_problems") or []:
        kind = PROBLEM_TEXTS.get(str(problem.get("kind")), str(problem.get("kind")))
        days = problem.get("business_days_without_update")
        since = f" há {days} dias úteis" if kind == PROBLEM_TEXTS["stalled"] and days else ""
        code = problem.get("tracking_code") or "sem código"
        carrier = problem.get("carrier") or "transportadora"
        lines.append(f"Evidência: {kind}{since} ({code}, {carrier})")
    return lines


def notice_text(ticket: Ticket, url: str | None) -> str:
    """The pt-BR notice a department reads: ticket, reason, order, evidence, what to do."""
    reason = reason_text(ticket.reason)
    lines = [
        f"Novo atendimento #{ticket.id} ({ticket.department})",
        f"Motivo: {reason}",
        f"Pedido: #{ticket.order_number}" if ticket.order_number else "Pedido: não informado",
        *_evidence_lines(ticket.evidence),
    ]
    if url:
        lines.append(f"Abra o atendimento: {url}")
    else:
        lines.append(
            f"Para responder: POST /admin/tickets/{ticket.id}/reply; "
            f"para devolver ao robô: POST /admin/tickets/{ticket.id}/release"
        )
    return "\n".join(lines)


def _ticket_fields(ticket: Ticket, url: str | None) -> dict[str, Any]:
    """What every webhook body says of the ticket."""
    return {
        "id": ticket.id,
        "department": ticket.department,
        "reason": ticket.reason,
        "reason_text": reason_text(ticket.reason),
        "order_number": ticket.order_number,
        "url": url,
    }


def webhook_payload(ticket: Ticket, url: str | None) -> dict[str, Any]:
    """The webhook body documented at the top of this module."""
    wa_id = ticket.sender_id
    attributes = {
        "ticket_id": ticket.id,
        "department": ticket.department,
        "reason": ticket.reason,
        "order_number": ticket.order_number,
    }
    return {
        "event": EVENT,
        "ticket": {
            **_ticket_fields(ticket, url),
            "opened_at": ticket.opened_at.isoformat(),
            "evidence": ticket.evidence,
        },
        "customer": {"wa_id": wa_id},
        "contact": {
            "identifier": wa_id,
            "phone_number": f"+{wa_id}" if wa_id.isdigit() else None,
        },
        "conversation": {
            "source_id": ticket.id,
            "status": "open",
            "custom_attributes": attributes,
            "additional_attributes": {"channel": "whatsapp", "evidence": ticket.evidence},
            "message": {"content": notice_text(ticket, url)},
        },
    }


def event_payload(ticket: Ticket, event: TicketEvent, url: str | None) -> dict[str, Any]:
    """The webhook body of an event after the opening, documented at the top of this module."""
    body: dict[str, Any] = {
        "event": f"ticket.{event.kind}",
        "at": event.at.isoformat(),
        "ticket": {**_ticket_fields(ticket, url), "assignee": ticket.assignee},
        "customer": {"wa_id": ticket.sender_id},
        "conversation": {"source_id": ticket.id},
        "agent": event.by.as_dict() if event.by else None,
        "details": event.details,
    }
    if event.text is not None:
        body["message"] = {
            "content": event.text,
            "message_type": "incoming" if event.kind == "customer_message" else "outgoing",
            "private": event.kind == "note",
        }
    return body


class DepartmentNotifier:
    """Sends the notices for a newly opened ticket through the configured channels."""

    def __init__(
        self,
        *,
        whatsapp: Mapping[str, str] | None = None,
        send: MessageSender | None = None,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        ticket_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        attempts: int = 4,
        backoff_seconds: float = 0.5,
        timeout_seconds: float = 5.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """Configure the channels; a webhook without a secret is refused, never sent unsigned.

        Args:
            whatsapp: the WhatsApp number (wa_id) of each department to notify.
            send: how WhatsApp notices are queued (`Outbox.push`); required with `whatsapp`.
            webhook_url: where every ticket is posted, if anywhere.
            webhook_secret: the key the webhook body is signed with.
            ticket_url: a link to a ticket, with `{ticket}` where its id goes.
            transport: an httpx transport, for tests and offline runs.
            attempts: webhook tries before giving up.
            backoff_seconds: the wait before the second try, doubled after each failure.
            timeout_seconds: the bound on each webhook request.
            sleep: how the backoff waits; tests pass one that does not.
        """
        if webhook_url and not webhook_secret:
            raise ValueError("a handoff webhook needs a secret to sign its requests")
        if whatsapp and send is None:
            raise ValueError("department WhatsApp numbers need a sender")
        self._whatsapp = {k: v.lstrip("+") for k, v in (whatsapp or {}).items() if v}
        self._send = send
        self._webhook_url = webhook_url
        self._secret = webhook_secret or ""
        self._ticket_url = ticket_url
        self._attempts = max(1, attempts)
        self._backoff = backoff_seconds
        self._sleep = sleep
        self._pending: set[asyncio.Task[bool]] = set()
        self._http = (
            httpx.AsyncClient(
                transport=transport,
                timeout=timeout_seconds,
                headers={"User-Agent": "Atendente"},
            )
            if webhook_url
            else None
        )

    async def aclose(self) -> None:
        """Close the webhook's connections when the service stops."""
        if self._http is not None:
            await self._http.aclose()

    def _url_of(self, ticket: Ticket) -> str | None:
        return self._ticket_url.format(ticket=ticket.id) if self._ticket_url else None

    async def notify(self, ticket: Ticket) -> None:
        """Send every configured notice for `ticket`; failures are logged, never raised."""
        url = self._url_of(ticket)
        await self._notify_whatsapp(ticket, url)
        await self._post_webhook(ticket, url)

    async def _notify_whatsapp(self, ticket: Ticket, url: str | None) -> None:
        number = self._whatsapp.get(ticket.department)
        if number is None or self._send is None:
            return
        message = {"type": "text", "text": notice_text(ticket, url)}
        try:
            await self._send(
                number,
                [message],
                key=f"handoff-notice:{ticket.id}",
                source=f"handoff:{ticket.department}",
            )
        except Exception:
            logger.exception("handoff notice for ticket %s not queued", ticket.id)

    async def on_event(self, ticket: Ticket, event: TicketEvent) -> None:
        """Post an event after the opening to the webhook, in the background.

        The opening itself is announced by `notify` (with the WhatsApp notice).
        """
        if event.kind == "opened" or self._http is None:
            return
        payload = event_payload(ticket, event, self._url_of(ticket))
        delivery = f"{ticket.id}:{event.kind}:{event.at.isoformat()}"
        task = asyncio.create_task(
            self._post(ticket.id, payload, delivery), name=f"event-{ticket.id}-{event.kind}"
        )
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def drain(self) -> None:
        """Wait for the event posts still in flight."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    async def _post_webhook(self, ticket: Ticket, url: str | None) -> bool:
        return await self._post(ticket.id, webhook_payload(ticket, url), ticket.id)

    async def _post(self, ticket_id: str, payload: dict[str, Any], delivery: str) -> bool:
        """Sign and post one body, retrying what may pass later; never raises."""
        if self._http is None or self._webhook_url is None:
            return False
        event = str(payload["event"])
        body = json.dumps(payload, ensure_ascii=False, default=str).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(self._secret, body),
            "X-Atendente-Event": event,
            "X-Atendente-Delivery": delivery,
        }
        for attempt in range(1, self._attempts + 1):
            try:
                response = await self._http.post(self._webhook_url, content=body, headers=headers)
            except httpx.HTTPError as error:
                outcome = type(error).__name__
            else:
                if response.is_success:
                    return True
                outcome = f"HTTP {response.status_code}"
                if response.status_code not in RETRY_STATUSES:
                    logger.warning(
                        "handoff webhook refused %s on ticket %s: %s; not retried",
                        event,
                        ticket_id,
                        outcome,
                    )
                    return False
            logger.warning(
                "handoff webhook for ticket %s failed (%s), attempt %d of %d",
                ticket_id,
                outcome,
                attempt,
                self._attempts,
            )
            if attempt < self._attempts:
                await self._sleep(self._backoff * 2 ** (attempt - 1))
        logger.error("handoff webhook gave up on ticket %s", ticket_id)
        return False


class NotifyingTicketStore:
    """A `TicketStore` that notifies the department, in the background, on every open.

    The turn that opens the ticket does not wait for a slow inbox; `drain` waits for the
    notices still in flight, for a clean shutdown.
    """

    def __init__(self, inner: TicketStore, notifier: DepartmentNotifier) -> None:
        """Store tickets in `inner` and notify through `notifier`."""
        self._inner = inner
        self._notifier = notifier
        self._pending: set[asyncio.Task[None]] = set()

    async def open(
        self,
        *,
        department: str,
        reason: str,
        sender_id: str,
        order_number: str | None,
        evidence: dict[str, Any] | None = None,
    ) -> Ticket:
        """Open the ticket, then start notifying its department."""
        ticket = await self._inner.open(
            department=department,
            reason=reason,
            sender_id=sender_id,
            order_number=order_number,
            evidence=evidence,
        )
        task = asyncio.create_task(self._notifier.notify(ticket), name=f"notify-{ticket.id}")
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        return ticket

    async def append(self, ticket_id: str, text: str) -> None:
        """Record a customer message on the ticket."""
        await self._inner.append(ticket_id, text)

    async def replied(self, ticket_id: str) -> bool:
        """Whether the department has replied on this ticket."""
        return await self._inner.replied(ticket_id)

    async def get(self, ticket_id: str) -> Ticket | None:
        """Read a ticket back."""
        return await self._inner.get(ticket_id)

    async def close(self, ticket_id: str) -> None:
        """Close the ticket."""
        await self._inner.close(ticket_id)

    async def drain(self) -> None:
        """Wait for the notices and event posts still being sent."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
        await self._notifier.drain()
