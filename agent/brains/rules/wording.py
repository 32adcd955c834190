"""Small pt-BR formatting helpers for replies: money, dates, stage and tracking labels.

The labels are words of the templates file, so a store that renames "em separação" sees
its word in every sentence that names a stage.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from agent.store_voice.templates import ReplyTemplates


def stage_label(replies: ReplyTemplates, stage: object) -> str:
    """An order stage as the customer reads it: 'em separação', or 'em andamento'."""
    key = f"labels.stage.{stage}"
    return replies.text(key if key in replies else "labels.stage.unknown")


def tracking_label(replies: ReplyTemplates, status: object) -> str | None:
    """A carrier status as the customer reads it ('em trânsito'), None when it has none."""
    key = f"labels.tracking.{status}"
    return replies.text(key) if key in replies else None


def method_label(replies: ReplyTemplates, method: object) -> str:
    """A payment method as the customer reads it ('Pix', 'cartão de crédito'), or ''."""
    key = f"labels.payment_method.{method}"
    return replies.text(key) if key in replies else ""


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


def items_phrase(items: list[dict[str, object]], replies: ReplyTemplates) -> str:
    """'2x Camiseta Básica e 1x Boné' for the first few items."""
    names = [f"{item.get('quantity', 1)}x {item.get('name', '')}".strip() for item in items[:3]]
    if len(items) > 3:
        rest = len(items) - 3
        more = "labels.more_items_one" if rest == 1 else "labels.more_items"
        names.append(replies.text(more, count=rest))
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " e " + names[-1]
