"""The store orders a recorded conversation touched, fetched and masked for its own store.

A recorded dialogue replays as it happened only if its store holds the customer's orders
and the customer still owns them. So the orders the bot looked up are fetched from the
store (`attach_orders`) and written into the dialogue's `store: {orders: [...]}`, masked
with the file's `Masker` (`mask_order`): the customer's phone, e-mails and CPF get the
same fakes in `customer`, in the turns and in the orders, and the ownership rule
(contact phone, e-mail or CPF) still holds between the fakes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from evals.pii import Masker, digits_of
from evals.record.conversation import Conversation
from integrations.nuvemshop.client import NuvemshopClient
from integrations.nuvemshop.errors import NuvemshopError

PHONE_KEYS = frozenset({"phone", "contact_phone", "billing_phone"})
EMAIL_KEYS = frozenset({"email", "contact_email", "billing_email"})
DOCUMENT_KEYS = frozenset({"identification", "contact_identification", "billing_identification"})
"""CPF (11 digits) or CNPJ (14 digits)."""
ZIPCODE_KEYS = frozenset({"zipcode", "billing_zipcode"})
STREET_KEYS = (("address", "number"), ("billing_address", "billing_number"))
"""(street, number) pairs: an address is kept in two fields."""
NAME_KEYS = frozenset({"contact_name", "billing_name"})
PERSON_KEYS = PHONE_KEYS | EMAIL_KEYS | DOCUMENT_KEYS | ZIPCODE_KEYS
"""An object with one of these is a person or an address, so its `name` is a person's."""
_FAKE_NAME = re.compile(r"(?:(?:Nome|Sobrenome)\d+\s*)+")
"""A name masking already gave, which must not be masked again."""
FAKE_TOKEN = "0" * 40
"""The order token opens the order's status page; nothing in the agent reads it."""


def _objects(value: Any) -> Iterator[Mapping[str, Any]]:
    """Every JSON object in `value`, nested ones included."""
    if isinstance(value, Mapping):
        yield value
        for item in value.values():
            yield from _objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from _objects(item)


def order_names(order: Mapping[str, Any]) -> list[str]:
    """The people's names in an order (contact, billing, customer, addressees)."""
    names: list[str] = []
    for item in _objects(order):
        keys = set(NAME_KEYS)
        if PERSON_KEYS & set(item):
            keys.add("name")
        names.extend(item[key] for key in sorted(keys) if isinstance(item.get(key), str))
    return [name for name in names if name.strip() and not _FAKE_NAME.fullmatch(name.strip())]


def _document(value: str, masker: Masker) -> str:
    digits = digits_of(value)
    if len(digits) == 11:
        return masker.cpf(value)
    if len(digits) == 14:
        return masker.cnpj(value)
    return masker.mask(value)


def _string(key: str, value: str, masker: Masker) -> str:
    """One string of an order: by what its key says it is, else as free text."""
    if not value.strip():
        return value
    if key in PHONE_KEYS and digits_of(value):
        return masker.phone(value)
    if key in EMAIL_KEYS and "@" in value:
        return masker.email(value)
    if key in DOCUMENT_KEYS:
        return _document(value, masker)
    if key in ZIPCODE_KEYS and digits_of(value):
        return masker.cep(value)
    if key == "token":
        return FAKE_TOKEN
    return masker.mask(value)


def _masked(key: str, value: Any, masker: Masker) -> Any:
    if isinstance(value, Mapping):
        masked: dict[str, Any] = {}
        for street, number in STREET_KEYS:
            if isinstance(value.get(street), str):
                written = value.get(number)
                fakes = masker.street(value[street], None if written is None else str(written))
                masked[street] = fakes[0]
                if number in value:
                    masked[number] = fakes[1]
        for item_key, item in value.items():
            if str(item_key) not in masked:
                masked[str(item_key)] = _masked(str(item_key), item, masker)
        return {str(k): masked[str(k)] for k in value}
    if isinstance(value, list):
        return [_masked(key, item, masker) for item in value]
    if isinstance(value, str):
        return _string(key, value, masker)
    return value


def mask_order(order: Mapping[str, Any], masker: Masker) -> dict[str, Any]:
    """A copy of a store order (the API's JSON) with every personal value replaced by its fake.

    Phones, e-mails, CPF/CNPJ, CEPs and streets are masked by the key that holds them (so a
    contact phone that happens to be a valid CPF is still a phone), the people's names are
    registered and masked wherever they appear, and every other string goes through
    `Masker.mask`. Numbers (ids, order number, quantities) and tracking codes are kept.
    """
    for name in order_names(order):
        masker.add_name(name)
    masked: dict[str, Any] = _masked("", order, masker)
    return masked


def mask_orders(orders: Sequence[Mapping[str, Any]], masker: Masker) -> list[dict[str, Any]]:
    """`mask_order` for several orders, with every order's names registered first.

    One order may name another's customer (a note, an addressee, a city that is a surname).
    """
    for order in orders:
        for name in order_names(order):
            masker.add_name(name)
    return [mask_order(order, masker) for order in orders]


@dataclass(frozen=True, slots=True)
class OrdersFetched:
    """How fetching went, in counts only (safe to print)."""

    own_store: int = 0
    """Dialogues that got their orders."""
    orders: int = 0
    """Orders fetched for them."""
    unreachable: int = 0
    """Dialogues left on the demo store because the store did not answer."""
    missing: int = 0
    """Dialogues left on the demo store because an order the bot saw is gone."""

    @property
    def on_demo(self) -> int:
        """Dialogues that touched orders but stay on the demo store."""
        return self.unreachable + self.missing


async def attach_orders(
    conversations: Sequence[Conversation], client: NuvemshopClient
) -> tuple[list[Conversation], OrdersFetched]:
    """The conversations with the store's orders they touched, looked up by number.

    A conversation keeps the demo store when the store does not answer (then no further
    conversation asks it), or when an order the bot saw is no longer there: a dialogue
    missing one of its orders would not replay. A number the bot was told is not available
    and that the store still lacks is left out, so it replays as not found.
    """
    attached: list[Conversation] = []
    own_store = orders = unreachable = missing = 0
    reachable = True
    for conversation in conversations:
        if not conversation.order_numbers:
            attached.append(conversation)
            continue
        if not reachable:
            unreachable += 1
            attached.append(conversation)
            continue
        found: list[dict[str, Any]] = []
        gone = False
        try:
            for number in conversation.order_numbers:
                payload = await client.find_order_payload(number)
                if payload is not None:
                    found.append(payload)
                elif number not in conversation.unavailable_orders:
                    gone = True
                    break
        except NuvemshopError:
            reachable = False
            unreachable += 1
            attached.append(conversation)
            continue
        if gone:
            missing += 1
        elif found:
            own_store += 1
            orders += len(found)
            conversation = replace(conversation, orders=tuple(found))
        attached.append(conversation)
    return attached, OrdersFetched(own_store, orders, unreachable, missing)
