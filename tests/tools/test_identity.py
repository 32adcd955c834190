from __future__ import annotations

from typing import Any

import pytest

from integrations.nuvemshop.models import Order
from tools.identity import CustomerIdentity, owns, phones_match


def make_order(**fields: Any) -> Order:
    base: dict[str, Any] = {
        "id": 1,
        "number": 1001,
        "status": "open",
        "payment_status": "paid",
        "shipping_status": "unpacked",
        "contact_email": "ana.souza@example.com",
        "contact_phone": "+5511987654321",
        "contact_identification": "52998224725",
        "products": [],
    }
    return Order.model_validate({**base, **fields})


@pytest.mark.parametrize(
    ("left", "right", "same"),
    [
        ("+5511987654321", "5511987654321", True),
        ("+55 11 98765-4321", "(11) 98765-4321", True),
        ("551187654321", "+5511987654321", True),  # WhatsApp id without the ninth digit
        ("+5511987654321", "+5521987654321", False),  # same number, other area code
        ("+5511987654321", "+5511987654320", False),
        (None, "+5511987654321", False),
        ("", "", False),
        ("123", "123", False),
    ],
)
def test_phones_match(left: str | None, right: str | None, same: bool) -> None:
    assert phones_match(left, right) is same


def test_owner_by_phone() -> None:
    assert owns(make_order(), CustomerIdentity(phone="+5511987654321"))


def test_owner_by_email_case_insensitive_on_the_order_side() -> None:
    order = make_order(contact_email="Ana.Souza@Example.com")
    assert owns(order, CustomerIdentity(emails=("ana.souza@example.com",)))


def test_owner_by_cpf_formatted_on_the_order_side() -> None:
    order = make_order(contact_identification="529.982.247-25")
    assert owns(order, CustomerIdentity(cpfs=("52998224725",)))


def test_stranger_does_not_own() -> None:
    identity = CustomerIdentity(
        phone="+5511900000000", emails=("bruno.lima@example.com",), cpfs=("31847609520",)
    )
    assert not owns(make_order(), identity)


def test_empty_identity_owns_nothing_even_when_order_fields_are_empty() -> None:
    order = make_order(contact_email="", contact_phone=None, contact_identification=None)
    assert not owns(order, CustomerIdentity())
