"""Recorded dialogues carry their own masked store orders and clock, so they replay as they were."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from redis.asyncio import Redis

from agent.graph import build_graph
from agent.language.validators import cpf_check_digits
from agent.state import Inbound
from agent.turn import run_turn
from cli.eval_record import read_conversations, recent_thread_ids
from composition.settings import Settings
from composition.wiring import build_nuvemshop, build_saver, open_context
from evals.dialogue import load_dialogues
from evals.pii import Masker
from evals.record import (
    Conversation,
    RecordedTurn,
    RecordError,
    attach_orders,
    conversation_from_checkpoints,
    conversations_from_export,
    mask_order,
    mask_orders,
    render_dialogues,
)
from evals.runner import run_suite
from integrations.nuvemshop.client import NuvemshopClient
from integrations.nuvemshop.demo.store import demo_orders, demo_transport
from integrations.nuvemshop.models import Order
from tools.departments import InMemoryTicketStore
from tools.identity import CustomerIdentity, owns

ANA = "+5511987654321"
DAY = datetime(2026, 12, 3, tzinfo=UTC).date()


def demo_order(number: int) -> dict[str, Any]:
    return copy.deepcopy(next(o for o in demo_orders() if o["number"] == number))


def phone_digits(order: dict[str, Any]) -> set[str]:
    people = [order, order.get("customer") or {}]
    keys = ("contact_phone", "phone", "billing_phone")
    return {re.sub(r"\D", "", p[key]) for p in people for key in keys if p.get(key)}


def personal_values(order: dict[str, Any]) -> list[str]:
    """What identifies the order's people: the strings no masked file may hold."""
    values: list[str] = []
    people = [order, order.get("customer") or {}]
    for person in people:
        for key in ("contact_email", "email", "contact_identification", "identification"):
            if person.get(key):
                values.append(person[key])
    for digits in phone_digits(order):
        values.extend([digits, digits[2:], f"{digits[-8:-4]}-{digits[-4:]}"])
    for address in (
        order.get("shipping_address"),
        (order.get("customer") or {}).get("default_address"),
    ):
        if address:
            values.extend([address["address"], address["zipcode"]])
    values.extend([order["billing_address"], order["billing_zipcode"]])
    return values


def name_parts(order: dict[str, Any]) -> set[str]:
    names = [order["contact_name"], order["billing_name"], order["customer"]["name"]]
    return {part for name in names for part in re.findall(r"[^\W\d_]{3,}", name)}


def assert_no_personal_value(text: str, orders: list[dict[str, Any]]) -> None:
    folded = text.casefold()
    words = set(re.findall(r"[^\W\d_]+", folded))
    for order in orders:
        for value in personal_values(order):
            assert value.casefold() not in folded, f"{value!r} survived masking"
        for digits in phone_digits(order):
            assert not re.search(rf"(?<!\w){digits[-8:]}(?!\w)", text), f"{digits!r} survived"
        for part in name_parts(order):
            if part.casefold() not in ("dos", "das"):
                assert part.casefold() not in words, f"name {part!r} survived masking"


# Masking store orders ------------------------------------------------------------------------


def test_every_demo_order_is_masked_and_still_reads_as_an_order() -> None:
    masker = Masker()
    originals = demo_orders()
    masked = mask_orders(originals, masker)

    assert_no_personal_value(json.dumps(masked, ensure_ascii=False), originals)
    for before, after in zip(originals, masked, strict=True):
        order = Order.model_validate(after)
        kept = ("id", "number", "status", "payment_status", "total", "shipping_tracking_number")
        assert {k: after[k] for k in kept} == {k: before[k] for k in kept}
        assert after["products"] == before["products"]
        assert order.contact_phone == after["customer"]["phone"]
        assert order.contact_phone == after["shipping_address"]["phone"]
        assert after["contact_email"] == after["customer"]["email"]
        assert after["token"] != before["token"]
    assert originals == demo_orders(), "the orders given are not changed"


def test_masked_orders_are_still_owned_by_the_masked_customer() -> None:
    masker = Masker()
    customer = masker.phone(ANA)
    typed_email = masker.mask("meu e-mail é ANA.SOUZA@example.com")
    typed_cpf = masker.mask("cpf 529.982.247-25")
    ana, bruno = (Order.model_validate(mask_order(demo_order(n), masker)) for n in (1001, 1002))

    assert customer == "+5511900000001" == ana.contact_phone
    assert owns(ana, CustomerIdentity(phone=customer))
    assert not owns(bruno, CustomerIdentity(phone=customer))
    email = typed_email.rsplit(" ", 1)[-1]
    assert owns(ana, CustomerIdentity(emails=(email.lower(),)))
    cpf = re.sub(r"\D", "", typed_cpf)
    assert owns(ana, CustomerIdentity(cpfs=(cpf,)))


def test_a_street_gets_the_fake_of_the_same_address_in_text() -> None:
    masker = Masker()
    assert masker.mask("moro na Rua Harmonia, 412") == "moro na Rua Exemplo 1"
    assert masker.street("Rua Harmonia", "412") == ("Rua Exemplo", "1")
    assert masker.street("Avenida Beira Mar", "s/n") == ("Avenida Exemplo", "2")
    assert masker.street("SQS 308 Bloco C", None) == ("Rua Exemplo", "3")
    assert masker.street("Rua Exemplo", "1") == ("Rua Exemplo", "1"), "already masked"


first_names = st.sampled_from(["Joaquina", "Heitor", "Benedita", "Raimundo", "Iolanda"])
last_names = st.sampled_from(["Quaresma", "Vasconcelos", "Albuquerque", "Figueiredo"])


@st.composite
def people(draw: st.DrawFn) -> dict[str, str]:
    base = str(draw(st.integers(100_000_000, 999_999_999)))
    area = draw(st.sampled_from(["11", "21", "31", "48", "85"]))
    line = f"9{draw(st.integers(1000, 9999))}{draw(st.integers(1000, 9999))}"
    user = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=4, max_size=12))
    phone = draw(
        st.sampled_from([f"+55{area}{line}", f"({area}) {line[:5]}-{line[5:]}", f"{area}{line}"])
    )
    return {
        "name": f"{draw(first_names)} {draw(last_names)}",
        "email": f"{user}@{draw(st.sampled_from(['gmail.com', 'uol.com.br']))}",
        "phone": phone,
        "cpf": base + cpf_check_digits(base),
        "street": f"{draw(st.sampled_from(['Rua', 'Avenida', 'Travessa']))} {draw(last_names)}",
        "number": str(draw(st.integers(1, 9999))),
        "zipcode": f"{draw(st.integers(10_000_000, 99_999_999))}",
        "note": draw(st.sampled_from(["", "entregar com {name}, tel {phone}"])),
    }


def order_of(person: dict[str, str]) -> dict[str, Any]:
    order = demo_order(1001)
    address = {
        **order["shipping_address"],
        "address": person["street"],
        "number": person["number"],
        "zipcode": person["zipcode"],
        "name": person["name"],
        "phone": person["phone"],
    }
    order.update(
        contact_name=person["name"],
        contact_email=person["email"],
        contact_phone=person["phone"],
        contact_identification=person["cpf"],
        shipping_address=address,
        billing_name=person["name"],
        billing_phone=person["phone"],
        billing_address=person["street"],
        billing_number=person["number"],
        billing_zipcode=person["zipcode"],
        note=person["note"].format(**person),
    )
    order["customer"].update(
        name=person["name"],
        email=person["email"],
        identification=person["cpf"],
        phone=person["phone"],
        default_address=dict(address),
    )
    return order


@given(person=people())
def test_no_personal_value_of_any_order_survives(person: dict[str, str]) -> None:
    masker = Masker()
    masked = mask_order(order_of(person), masker)
    text = json.dumps(masked, ensure_ascii=False).casefold()

    for key in ("email", "cpf", "street", "zipcode"):
        assert person[key].casefold() not in text
    assert re.sub(r"\D", "", person["phone"])[-8:] not in text
    for part in person["name"].split():
        assert part.casefold() not in text
    assert mask_order(masked, masker) == masked, "masking masked orders changes nothing"
    assert masked["contact_phone"] == masked["customer"]["phone"] == masker.phone(person["phone"])


# What checkpoints tell about orders and time -----------------------------------------------------


def tool_turn(human: str, number: str, result: dict[str, Any]) -> list[Any]:
    call = {"name": "get_order", "args": {"order_number": number}, "id": f"call-{human}"}
    return [
        HumanMessage(f"cadê o {number}?", id=human),
        AIMessage("", tool_calls=[call]),
        ToolMessage(json.dumps(result), tool_call_id=f"call-{human}"),
        AIMessage(f"sobre o {number}"),
    ]


def test_checkpoints_give_the_orders_touched_and_when_it_started() -> None:
    found = {"order_number": "1001", "customer_first_name": "Ana"}
    listed = {"orders": [{"order_number": "1004"}, {"order_number": "1001"}]}
    refused = {"error": "order_not_available", "order_number": "1099"}
    messages = [
        *tool_turn("h1", "#1001", found),
        *tool_turn("h2", "1099", refused),
        *tool_turn("h3", "1004", listed),
    ]
    first_turn, second_turn, third_turn = messages[:4], messages[:8], messages
    at = [datetime(2026, 12, 1, 12, minute, tzinfo=UTC) for minute in (0, 1, 2)]

    conversation = conversation_from_checkpoints(
        [{"messages": third_turn}, {"messages": second_turn}, {"messages": first_turn}],
        [at[2], at[1], at[0]],
    )
    assert conversation is not None
    assert conversation.order_numbers == ("1001", "1099", "1004")
    assert conversation.unavailable_orders == ("1099",)
    assert conversation.names == ("Ana",)
    assert conversation.started_at == at[0]

    pruned = conversation_from_checkpoints(
        [{"messages": third_turn}, {"messages": second_turn}], [at[2], at[1]]
    )
    assert pruned is not None and pruned.started_at == at[1], "the oldest checkpoint kept"
    undated = conversation_from_checkpoints([{"messages": third_turn}])
    assert undated is not None and undated.started_at is None


# Fetching them from the store ---------------------------------------------------------------------


def demo_client(requests: list[str] | None = None) -> NuvemshopClient:
    inner = demo_transport("demo", "demo-token")

    async def handle(request: httpx.Request) -> httpx.Response:
        if requests is not None:
            requests.append(request.url.path)
        return await inner.handle_async_request(request)

    return NuvemshopClient(
        store_id="demo",
        access_token="demo-token",
        user_agent="atendente-tests",
        transport=httpx.MockTransport(handle),
    )


def asking(*numbers: str, unavailable: tuple[str, ...] = ()) -> Conversation:
    return Conversation(
        turns=(RecordedTurn(("oi",)),),
        phone=ANA,
        order_numbers=numbers,
        unavailable_orders=unavailable,
    )


async def test_orders_are_fetched_by_number_and_a_missing_one_keeps_the_demo_store() -> None:
    conversations = [
        asking("1001", "1004"),
        asking(),
        asking("1001", "1099"),
        asking("1002", "1098", unavailable=("1098",)),
    ]
    async with demo_client() as client:
        attached, fetched = await attach_orders(conversations, client)

    assert [[o["number"] for o in c.orders] for c in attached] == [[1001, 1004], [], [], [1002]]
    assert (fetched.own_store, fetched.orders, fetched.missing, fetched.unreachable) == (2, 3, 1, 0)
    assert fetched.on_demo == 1


async def test_an_unreachable_store_is_asked_once_and_every_dialogue_keeps_the_demo_store() -> None:
    calls: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        raise httpx.ConnectError("refused", request=request)

    client = NuvemshopClient(
        store_id="1", access_token="t", user_agent="tests", transport=httpx.MockTransport(refuse)
    )
    async with client:
        attached, fetched = await attach_orders([asking("1001"), asking("1002")], client)

    assert [c.orders for c in attached] == [(), ()]
    assert (fetched.unreachable, fetched.on_demo, len(calls)) == (2, 2, 1)


def test_an_export_may_carry_its_orders() -> None:
    export = {
        "conversations": [
            {
                "customer": {"phone": ANA},
                "messages": [{"role": "customer", "text": "cadê o 1001? ana.souza@example.com"}],
                "orders": [demo_order(1001)],
            }
        ]
    }
    (conversation,) = conversations_from_export(export)
    recorded = render_dialogues([conversation], prefix="exp", source="x", day=DAY)
    assert recorded.orders == 1
    dialogue = yaml.safe_load(recorded.text)["dialogues"][0]
    (order,) = dialogue["store"]["orders"]
    assert order["contact_phone"] == dialogue["customer"]["phone"] == "+5511900000001"
    assert order["contact_email"] in dialogue["turns"][0]["say"]
    assert "clock" not in dialogue
    assert_no_personal_value(recorded.text, [demo_order(1001)])

    with pytest.raises(RecordError, match="integer 'id' and 'number'"):
        conversations_from_export(
            {"conversations": [{**export["conversations"][0], "orders": [{"number": "x"}]}]}
        )


# Recorded from Redis through the real graph, replayed by the runner ------------------------------

OTHER = "+5548999887766"
"""Not a demo customer: asks about Bruno's order 1002 and proves it with Bruno's CPF."""
PROBER = "+5561988887777"
"""Not a demo customer: asks about Ana's order 1001, gives a wrong e-mail, then a bad number."""
SCRIPTS = {
    ANA: ["oi, cadê meu pedido 1001?", "qual o valor?", "quero falar com o financeiro", "alô?"],
    OTHER: ["cadê meu pedido 1002?", "meu cpf é 318.476.095-20"],
    PROBER: ["oi, cadê o pedido 1001?", "meu email é fulano.tal@gmail.com", "e o pedido 1099?"],
}
SCRIPT_PII = ["fulano.tal", "318.476.095-20", "5548999887766", "99887-7766", "5561988887777"]


def recorded_replies(text: str) -> list[str]:
    """Per turn, the reply recorded as `# bot:` comments ('' for a silent turn)."""
    replies: list[list[str]] = []
    for line in text.splitlines():
        if re.match(r"^      - (say|release):", line):
            replies.append([])
        elif line.startswith("        # bot:"):
            replies[-1].append(line.removeprefix("        # bot:").removeprefix(" "))
    return ["" if lines == ["(silent)"] else "\n".join(lines) for lines in replies]


async def test_conversations_recorded_from_redis_replay_as_they_happened(
    redis_client: Redis, prefix: str, tmp_path: Path
) -> None:
    settings = Settings(_env_file=None).model_copy(update={"redis_prefix": prefix})
    saver = build_saver(redis_client, settings)
    before = datetime.now(UTC).replace(microsecond=0)
    async with open_context(settings, tickets=InMemoryTicketStore()) as context:
        graph = build_graph(saver)
        for phone, texts in SCRIPTS.items():
            for text in texts:
                inbound = Inbound(sender_id=phone.lstrip("+"), phone=phone, text=text)
                await run_turn(graph, context, inbound)
    conversations, _ = await read_conversations(saver, await recent_thread_ids(saver, None))
    async with build_nuvemshop(settings, redis_client) as client:
        conversations, fetched = await attach_orders(conversations, client)
    recorded = render_dialogues(conversations, prefix="replay", source="Redis", day=DAY)
    path = tmp_path / "recorded.yaml"
    path.write_text(recorded.text, encoding="utf-8")

    dialogues = load_dialogues(path)
    assert (fetched.own_store, fetched.on_demo) == (3, 0)
    assert_no_personal_value(recorded.text, [demo_order(1001), demo_order(1002)])
    assert not [value for value in SCRIPT_PII if value in recorded.text]

    prober, other, ana = dialogues
    assert [[o["number"] for o in d.store.orders] for d in (prober, other, ana)] == [
        [1001],
        [1002],
        [1001],
    ]
    assert ana.store.orders[0]["contact_phone"] == ana.customer.phone
    assert other.store.orders[0]["contact_identification"] in re.sub(r"\D", "", other.turns[1].text)
    assert ana.turns[2].expect.handoff == "financeiro"
    for dialogue in dialogues:
        assert dialogue.clock is not None and before <= dialogue.clock <= datetime.now(UTC)

    report = await run_suite(dialogues, brain_name="rules", settings=settings)
    assert report["summary"]["pass_hat_k"] == {"1": 1.0}
    assert report["summary"]["assertion_pass_rate"] == 1.0
    replayed = {
        d["id"]: [turn["reply"] for turn in d["runs"][0]["turns"]] for d in report["dialogues"]
    }
    assert "com esses dados" in replayed["replay-001"][1], "a wrong e-mail still proves nothing"
    assert "boleto" in replayed["replay-002"][1], "Bruno's CPF still proves order 1002"
    assert "financeiro" in replayed["replay-003"][2]
    per_dialogue = re.split(r"\n  - id: ", recorded.text)[1:]
    assert len(per_dialogue) == 3
    for chunk in per_dialogue:
        dialogue_id = chunk.split("\n", 1)[0]
        assert replayed[dialogue_id] == recorded_replies(chunk), dialogue_id
