"""Signed WhatsApp webhooks, built before a run so that sending costs only a socket write.

The bodies have the shape Meta posts (one text message per webhook, as `tests/server/whatsapp`
builds them) and carry `X-Hub-Signature-256` under the offline demo secret, so the real app
checks and stores them exactly as it would in production.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from composition.settings import DEMO_WHATSAPP_SECRET
from integrations.whatsapp.updates import InboundMessage, parse_webhook
from server.signatures import hex_signature

WEBHOOK_PATH = "/webhooks/whatsapp"
PHONE_NUMBER_ID = "109876543210"
DEMO_CUSTOMERS = (
    ("5511987654321", "cadê meu pedido 1001?"),
    ("5521998765432", "cadê meu pedido 1002?"),
    ("5531912345678", "cadê meu pedido 1003?"),
)
"""Customers whose phones own demo orders: their turns look the order and its tracking up."""
STRANGER_TEXTS = ("oi", "qual o horário de vocês?", "obrigado", "cadê meu pedido 1001?")
"""What the other customers say; a stranger asking for an order is asked for an e-mail."""


@dataclass(frozen=True, slots=True)
class Webhook:
    """One signed webhook and the customer who sent it."""

    wa_id: str
    wamid: str
    body: bytes
    signature: str

    @property
    def headers(self) -> dict[str, str]:
        """The headers Meta sends with the body."""
        return {"Content-Type": "application/json", "X-Hub-Signature-256": self.signature}

    def inbound(self) -> InboundMessage:
        """The message as the webhook route parses it, for storing without HTTP."""
        (message,) = parse_webhook(json.loads(self.body))
        if not isinstance(message, InboundMessage):
            raise TypeError("a benchmark webhook must hold one inbound message")
        return message


def customer(index: int) -> tuple[str, str]:
    """The `index`-th customer's wa_id and message: the demo customers first, then strangers."""
    if index < len(DEMO_CUSTOMERS):
        return DEMO_CUSTOMERS[index]
    return f"55119{index:08d}", STRANGER_TEXTS[index % len(STRANGER_TEXTS)]


def webhooks(count: int, tag: str, *, first_customer: int = 0) -> list[Webhook]:
    """`count` webhooks from consecutive customers, with wamids unique under `tag`."""
    built = []
    now = str(int(time.time()))
    for number in range(count):
        wa_id, text = customer(first_customer + number)
        wamid = f"wamid.bench-{tag}-{number:07d}"
        body = json.dumps(_payload(wa_id, wamid, text, now)).encode()
        signature = "sha256=" + hex_signature(DEMO_WHATSAPP_SECRET, body)
        built.append(Webhook(wa_id, wamid, body, signature))
    return built


def http_post(host: str, port: int, webhook: Webhook) -> bytes:
    """The full HTTP/1.1 keep-alive request for `webhook`, ready to write to a socket."""
    lines = [
        f"POST {WEBHOOK_PATH} HTTP/1.1",
        f"Host: {host}:{port}",
        f"Content-Length: {len(webhook.body)}",
        *(f"{name}: {value}" for name, value in webhook.headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + webhook.body


def _payload(wa_id: str, wamid: str, text: str, timestamp: str) -> dict[str, Any]:
    """A Cloud API `messages` webhook with one text message."""
    message = {"from": wa_id, "id": wamid, "timestamp": timestamp, "type": "text"}
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "5511999990000", "phone_number_id": PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": "Cliente"}, "wa_id": wa_id}],
        "messages": [{**message, "text": {"body": text}}],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA_ID", "changes": [{"field": "messages", "value": value}]}],
    }
