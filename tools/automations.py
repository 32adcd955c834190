"""Proactive messages driven by store events: paid, shipped, cancelled.

Each store event becomes at most one notice per order and kind (the idempotency key says
which), in the customer's own words: free text inside the WhatsApp 24 h window, an
approved template outside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from integrations.nuvemshop.models import Order
from tools.tracking import carrier_link
from tools.views import first_name

NoticeKind = Literal["order_paid", "order_shipped", "order_cancelled"]

EVENT_KINDS: dict[str, NoticeKind] = {
    "order/paid": "order_paid",
    "order/fulfilled": "order_shipped",
    "fulfillment_order/tracking_event_created": "order_shipped",
    "order/cancelled": "order_cancelled",
}
TEMPLATE_LANGUAGE = "pt_BR"
_NON_DIGITS = re.compile(r"\D+")


@dataclass(frozen=True, slots=True)
class Notice:
    """One proactive message to queue for a customer."""

    kind: NoticeKind
    recipient: str
    """The customer's WhatsApp id (E.164 digits)."""
    idempotency_key: str
    text: str
    template: dict[str, Any] | None = None
    """Set when the window is closed: send this approved template instead of the text."""
    order_number: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def as_message(self) -> dict[str, Any]:
        """The outbox message, in the same shape the graph's reply uses."""
        if self.template is not None:
            return {"type": "template", "text": self.text, "template": self.template}
        return {"type": "text", "text": self.text}


def whatsapp_id(phone: str | None) -> str | None:
    """The WhatsApp id for a store phone: digits with the country code."""
    digits = _NON_DIGITS.sub("", phone or "")
    if len(digits) in (10, 11):
        digits = "55" + digits
    return digits if len(digits) >= 12 else None


def _texts(kind: NoticeKind, order: Order, name: str) -> tuple[str, list[str]]:
    """The free text and the template parameters for one notice."""
    number = str(order.number)
    hello = f"Oi, {name}!" if name else "Oi!"
    if kind == "order_paid":
        return (
            f"{hello} 🎉 Recebemos o pagamento do seu pedido *{number}*. Agora ele vai para a "
            "separação, e o código de rastreio chega assim que ele for enviado.",
            [name, number],
        )
    if kind == "order_cancelled":
        return (
            f"{hello} Seu pedido *{number}* foi cancelado. Se você não pediu o cancelamento ou "
            "tiver qualquer dúvida, é só responder esta mensagem.",
            [name, number],
        )
    code = order.shipping_tracking_number or ""
    if not code:
        return (
            f"{hello} 🚚 Pedido enviado: seu pedido *{number}* já está a caminho! Assim que a "
            "transportadora registrar o código de rastreio, é só me perguntar por aqui.",
            [name, number],
        )
    link = order.shipping_tracking_url or carrier_link(code)
    return (
        f"{hello} 🚚 Pedido enviado: seu pedido *{number}* já está a caminho!\n"
        f"Código de rastreio: *{code}*\nAcompanhe aqui: {link}",
        [name, number, code, link],
    )


def notice_for(
    event: str,
    order: Order,
    *,
    window_open: bool,
    enabled: dict[str, bool],
    templates: dict[str, str],
) -> Notice | None:
    """The notice an event calls for, or None (other event, switched off, no phone)."""
    kind = EVENT_KINDS.get(event)
    if kind is None or not enabled.get(kind, False):
        return None
    recipient = whatsapp_id(order.contact_phone)
    if recipient is None:
        return None
    name = first_name(order) or ""
    text, parameters = _texts(kind, order, name)
    detail = order.shipping_tracking_number or "" if kind == "order_shipped" else ""
    template = None
    if not window_open:
        # Meta refuses an empty parameter, so a parcel with no code yet has its own template.
        untracked = kind == "order_shipped" and not order.shipping_tracking_number
        key = "order_shipped_untracked" if untracked else kind
        template = {
            "name": templates.get(key, key),
            "language": TEMPLATE_LANGUAGE,
            "parameters": parameters,
        }
    return Notice(
        kind=kind,
        recipient=recipient,
        idempotency_key=f"{kind}:{order.id}:{detail}",
        text=text,
        template=template,
        order_number=str(order.number),
    )
