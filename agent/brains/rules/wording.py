"""Small pt-BR formatting helpers for replies: money, dates, stage and tracking labels."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

STAGE_LABELS = {
    "preparing": "em separação",
    "awaiting_payment": "aguardando pagamento",
    "payment_failed": "pagamento não aprovado",
    "shipped": "enviado",
    "delivered": "entregue",
    "cancelled": "cancelado",
}

TRACKING_LABELS = {
    "posted": "postado",
    "in_transit": "em trânsito",
    "out_for_delivery": "saiu para entrega",
    "delivered": "entregue",
    "awaiting_pickup": "aguardando retirada",
    "returned": "em devolução ao remetente",
    "lost": "extraviado",
    "exception": "com uma ocorrência na entrega",
}

METHOD_LABELS = {
    "credit_card": "cartão de crédito",
    "debit_card": "cartão de débito",
    "boleto": "boleto",
    "pix": "Pix",
    "wire_transfer": "transferência",
}


def money(amount: str | None) -> str:
    """'189.90' -> 'R$ 189,90'; anything unreadable is left out."""
    if not amount:
        return ""
    try:
        value = Decimal(amount).quantize(Decimal("0.01"))
    except InvalidOperation:
        return ""
    whole, cents = f"{value:.2f}".split(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"R$ {grouped},{cents}"


def short_date(moment: str | None) -> str:
    """An ISO timestamp as 'dd/mm'; the customer knows the year."""
    if not moment:
        return ""
    try:
        parsed = datetime.fromisoformat(moment.replace(" ", "T", 1))
    except ValueError:
        return ""
    return parsed.strftime("%d/%m")


def items_phrase(items: list[dict[str, object]]) -> str:
    """'2x Camiseta Básica e 1x Boné' for the first few items."""
    names = [f"{item.get('quantity', 1)}x {item.get('name', '')}".strip() for item in items[:3]]
    if len(items) > 3:
        rest = len(items) - 3
        names.append(f"mais {rest} {'item' if rest == 1 else 'itens'}")
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " e " + names[-1]
