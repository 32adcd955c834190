"""Hypothesis strategies for webhook bodies: arbitrary JSON, and real payloads knocked about.

A near-valid payload starts as one Meta (or Nuvemshop) really sends and gets one to three
mutations at random places: a member deleted, a value swapped for arbitrary JSON, a huge
string, unicode (lone surrogates included, which JSON escapes allow), a number where text
belongs or the reverse, a value wrapped in a list, an empty container.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from tests.server import whatsapp

Path = tuple[str | int, ...]
_wa_ids = itertools.count(1)

characters = st.characters(codec="utf-8") | st.characters(
    min_codepoint=0xD800, max_codepoint=0xDFFF
)
"""Any code point, lone surrogates too: `json.loads` turns `"\\ud800"` into one."""

unicode_text = st.text(alphabet=characters, max_size=40)

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([2**63, -(2**63), 10**17, -(10**17), 10**30, 0, -1])
    | st.floats()
    | unicode_text
)

json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=8) | unicode_text, children, max_size=4)
    ),
    max_leaves=12,
)
"""Arbitrary JSON (NaN and Infinity included, as Python's parser accepts them)."""

huge_strings = st.sampled_from([10_000, 200_000, 600_000]).map(lambda size: "9" * size)
"""Past Meta's limits, and past the 512 KB body cap."""


def wa_id() -> str:
    return f"55219{next(_wa_ids) % 10**8:08d}"


def _meta_bases() -> list[Callable[[], dict[str, Any]]]:
    tap = {"type": "button_reply", "button_reply": {"id": "menu_orders", "title": "Pedidos"}}
    row = {
        "type": "list_reply",
        "list_reply": {"id": "row_1", "title": "Trocas", "description": ""},
    }
    return [
        lambda: whatsapp.message(wa_id(), "oi, cadê meu pedido 1001?"),
        lambda: whatsapp.message(wa_id(), kind="interactive", body=tap),
        lambda: whatsapp.message(wa_id(), kind="interactive", body=row),
        lambda: whatsapp.message(wa_id(), kind="image", body={"id": "M1", "caption": "olha"}),
        lambda: whatsapp.message(wa_id(), kind="audio", body={"id": "M2", "voice": True}),
        lambda: whatsapp.message(wa_id(), kind="button", body={"text": "Sim", "payload": "y"}),
        lambda: whatsapp.message(wa_id(), kind="reaction", body={"message_id": "w", "emoji": "👍"}),
        lambda: whatsapp.message(wa_id(), kind="location", body={"name": "Casa", "address": "R"}),
        lambda: whatsapp.message(wa_id(), kind="order", body={"catalog_id": "1"}),
        lambda: whatsapp.status(wa_id(), "failed", errors=[{"code": 131047, "title": "x"}]),
        lambda: whatsapp.status(wa_id(), "delivered"),
        lambda: whatsapp.envelope(
            {
                "contacts": [{"profile": {"name": "Bia"}, "user_id": "BR.123", "wa_id": wa_id()}],
                "messages": [
                    {
                        "from_user_id": "BR.123",
                        "id": f"wamid.U{next(_wa_ids)}",
                        "timestamp": "1790000000",
                        "type": "text",
                        "text": {"body": "oi"},
                    }
                ],
            }
        ),
    ]


META_BASES = _meta_bases()
STORE_BASES: list[Callable[[], tuple[str, dict[str, Any]]]] = [
    lambda: ("", {"store_id": 1234567, "event": "order/paid", "id": 1890000104}),
    lambda: ("", {"store_id": 1234567, "event": "order/fulfilled", "id": 1890000101}),
    lambda: ("", {"store_id": "1234567", "event": "order/cancelled", "id": "1890000104"}),
    lambda: (
        "",
        {
            "store_id": 1,
            "event": "fulfillment_order/tracking_event_created",
            "order_id": 9,
            "id": 3,
        },
    ),
    lambda: ("/store-redact", {"store_id": 1234567}),
    lambda: (
        "/customers-redact",
        {
            "store_id": 1234567,
            "customer": {"id": 1, "email": "x@example.com", "phone": "+5531999990000"},
            "orders_to_redact": [1, 2],
        },
    ),
    lambda: (
        "/customers-data-request",
        {
            "store_id": 1234567,
            "customer": {"id": 1, "email": "x@example.com", "phone": "+5531999990000"},
            "orders_requested": [1],
            "data_request": {"id": 77},
        },
    ),
]


def paths(value: Any, prefix: Path = ()) -> list[Path]:
    """Every node of a JSON value, the root included."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += paths(child, (*prefix, index))
    return found


_DELETE = object()


def replaced(value: Any, path: Path, new: Any) -> Any:
    """`value` with the node at `path` set to `new` (or removed, for `_DELETE`)."""
    if not path:
        return None if new is _DELETE else new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        copied = dict(value)
        if rest:
            copied[head] = replaced(copied[head], rest, new)
        elif new is _DELETE:
            del copied[head]
        else:
            copied[head] = new
        return copied
    copied_list = list(value)
    assert isinstance(head, int)
    if rest:
        copied_list[head] = replaced(copied_list[head], rest, new)
    elif new is _DELETE:
        del copied_list[head]
    else:
        copied_list[head] = new
    return copied_list


def _mutation(current: Any) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.just(_DELETE),
        json_values,
        huge_strings,
        unicode_text,
        st.sampled_from([0, -1, 10**17, 2**63, 1.5, True, None, "", [], {}]),
        st.just([current]),
        st.just(str(current)),
    )


@st.composite
def mutated(draw: st.DrawFn, base: Any) -> Any:
    payload = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths(payload)))
        current: Any = payload
        for step in path:
            current = current[step]
        payload = replaced(payload, path, draw(_mutation(current)))
    return payload


@st.composite
def near_valid_meta(draw: st.DrawFn) -> Any:
    """A Cloud API webhook with one to three things wrong with it."""
    return draw(mutated(draw(st.sampled_from(META_BASES))()))


@st.composite
def near_valid_store(draw: st.DrawFn) -> tuple[str, Any]:
    """A Nuvemshop webhook (path, body) with one to three things wrong with it."""
    path, body = draw(st.sampled_from(STORE_BASES))()
    return path, draw(mutated(body))
