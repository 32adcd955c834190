"""Who owns an order: the ownership rule that guards every piece of order data.

An order belongs to the customer when its contact phone is the sender's phone, or when
the customer gave that order's e-mail or CPF in this conversation. The rule lives here, in
code, so no prompt or model argument can widen it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from integrations.nuvemshop.models import Order

_NON_DIGITS = re.compile(r"\D+")


@dataclass(frozen=True, slots=True)
class CustomerIdentity:
    """What we know about the sender, taken from graph state, never from model arguments."""

    phone: str | None = None
    emails: tuple[str, ...] = field(default_factory=tuple)
    cpfs: tuple[str, ...] = field(default_factory=tuple)


def _national_phone(raw: str | None) -> str | None:
    """Reduce a Brazilian phone to area code + last 8 digits.

    WhatsApp ids of older Brazilian mobiles omit the ninth digit ("551187654321"), while the
    store keeps it ("+5511987654321"); comparing DDD and the last 8 digits matches both.
    """
    if not raw:
        return None
    digits = _NON_DIGITS.sub("", raw)
    if len(digits) in (12, 13) and digits.startswith("55"):
        digits = digits[2:]
    if len(digits) not in (10, 11):
        return None
    return digits[:2] + digits[-8:]


def phones_match(a: str | None, b: str | None) -> bool:
    """True when two phone strings name the same Brazilian line."""
    left, right = _national_phone(a), _national_phone(b)
    return left is not None and left == right


def _cpf_digits(raw: str | None) -> str | None:
    digits = _NON_DIGITS.sub("", raw or "")
    return digits if len(digits) == 11 else None


def owns(order: Order, identity: CustomerIdentity) -> bool:
    """Apply the ownership rule of DESIGN.md to one order."""
    if phones_match(order.contact_phone, identity.phone):
        return True
    email = (order.contact_email or "").strip().lower()
    if email and email in identity.emails:
        return True
    cpf = _cpf_digits(order.contact_identification)
    return cpf is not None and cpf in identity.cpfs
