from decimal import Decimal

import httpx
import pytest

from integrations.nuvemshop.client import NuvemshopClient
from integrations.nuvemshop.demo import demo_transport
from integrations.nuvemshop.errors import NuvemshopAuthError, NuvemshopBadRequest

from .conftest import USER_AGENT

EXPECTED = {
    1001: ("Ana Souza", "+5511987654321", "ana.souza@example.com", "52998224725"),
    1002: ("Bruno Lima", "+5521998765432", "bruno.lima@example.com", "31847609520"),
    1003: ("Carla Dias", "+5531912345678", "carla.dias@example.com", "70264815335"),
    1004: ("Ana Souza", "+5511987654321", "ana.souza@example.com", "52998224725"),
    1005: ("Carla Dias", "+5531912345678", "carla.dias@example.com", "70264815335"),
}


@pytest.mark.parametrize("number", sorted(EXPECTED))
async def test_find_fixed_orders_by_number(store: NuvemshopClient, number: int) -> None:
    order = await store.find_order_by_number(number)
    assert order is not None
    name, phone, email, cpf = EXPECTED[number]
    assert (order.number, order.contact_name, order.contact_phone) == (number, name, phone)
    assert (order.contact_email, order.contact_identification) == (email, cpf)
    assert order.customer is not None
    assert (order.customer.name, order.customer.email) == (name, email)
    assert (order.customer.phone, order.customer.identification) == (phone, cpf)
    assert order.currency == "BRL"
    assert order.products and all(p.price > 0 for p in order.products)


async def test_order_1001_paid_by_card_and_shipped(store: NuvemshopClient) -> None:
    order = await store.find_order_by_number("#1001")
    assert order is not None
    assert (order.status, order.payment_status, order.shipping_status) == (
        "open",
        "paid",
        "shipped",
    )
    assert order.payment_method == "credit_card"
    assert order.shipping_tracking_number == "AA123456785BR"
    assert order.shipping_tracking_url == (
        "https://rastreamento.correios.com.br/app/index.php?objetos=AA123456785BR"
    )
    assert order.shipped_at is not None and order.paid_at is not None
    assert order.created_at is not None and order.created_at.utcoffset() is not None


async def test_order_1002_pending_boleto_with_link(store: NuvemshopClient) -> None:
    order = await store.find_order_by_number("1002")
    assert order is not None
    assert (order.payment_status, order.payment_method) == ("pending", "boleto")
    assert order.shipping_status == "unpacked" and order.shipped_at is None
    assert order.shipping_tracking_number is None
    assert order.gateway_link == "https://pagamentos.example.com/boleto/1002"


async def test_order_1003_pix_cancelled_and_refunded(store: NuvemshopClient) -> None:
    order = await store.find_order_by_number(1003)
    assert order is not None
    assert (order.status, order.payment_status, order.payment_method) == (
        "cancelled",
        "refunded",
        "pix",
    )
    assert order.cancelled_at is not None and order.cancel_reason == "customer"


async def test_order_1004_pix_paid_being_prepared(store: NuvemshopClient) -> None:
    order = await store.find_order_by_number(1004)
    assert order is not None
    assert (order.status, order.payment_status, order.shipping_status) == (
        "open",
        "paid",
        "unpacked",
    )
    assert order.payment_method == "pix"


async def test_order_1005_paid_and_delivered(store: NuvemshopClient) -> None:
    order = await store.find_order_by_number(1005)
    assert order is not None
    assert (order.payment_status, order.shipping_status) == ("paid", "delivered")
    assert order.shipping_tracking_number == "QC400289226BR"


async def test_find_by_number_ignores_text_and_unknown_numbers(store: NuvemshopClient) -> None:
    assert await store.find_order_by_number("abc") is None
    assert await store.find_order_by_number(9999) is None
    assert await store.find_order_by_number(" #1003 ") is not None


async def test_get_order_by_id_and_404(store: NuvemshopClient) -> None:
    order = await store.find_order_by_number(1001)
    assert order is not None
    same = await store.get_order(order.id)
    assert same == order
    assert await store.get_order(1) is None


async def test_search_by_email_returns_both_orders_of_ana(store: NuvemshopClient) -> None:
    orders = await store.search_orders("ana.souza@example.com")
    assert sorted(o.number for o in orders) == [1001, 1004]


async def test_search_is_case_and_accent_insensitive(store: NuvemshopClient) -> None:
    assert [o.number for o in await store.search_orders("NATALIA")] == [1015]
    assert [o.number for o in await store.search_orders("Natália Carvalho")] == [1015]


async def test_search_without_match_is_empty(store: NuvemshopClient) -> None:
    assert await store.search_orders("ninguem@example.org") == []
    assert await store.search_customers("ninguem@example.org") == []


async def test_blank_search_never_lists_the_whole_store(store: NuvemshopClient) -> None:
    assert await store.search_orders("  ") == []
    assert await store.search_customers("") == []
    assert await store.search_orders("ana", limit=0) == []


async def test_pagination_follows_link_header_up_to_limit() -> None:
    pages: list[str | None] = []
    inner = demo_transport()

    async def spy(request: httpx.Request) -> httpx.Response:
        pages.append(request.url.params.get("page"))
        return await inner.handle_async_request(request)

    async with NuvemshopClient(
        store_id="demo",
        access_token="demo-token",
        user_agent=USER_AGENT,
        transport=httpx.MockTransport(spy),
    ) as client:
        first_twelve = await client.search_orders("example.com", limit=12, per_page=5)
        assert len(first_twelve) == 12 and pages == ["1", "2", "3"]
        pages.clear()
        everything = await client.search_orders("example.com", limit=500, per_page=7)
    assert pages == ["1", "2", "3", "4", "5"]
    numbers = [o.number for o in everything]
    assert len(numbers) == len(set(numbers)) == 32
    assert set(numbers) == set(range(1001, 1033))


async def test_customers_search_by_cpf_email_and_name(store: NuvemshopClient) -> None:
    by_cpf = await store.search_customers("52998224725")
    assert [c.email for c in by_cpf] == ["ana.souza@example.com"]
    by_email = await store.search_customers("carla.dias@example.com")
    assert [c.identification for c in by_email] == ["70264815335"]
    by_name = await store.search_customers("bruno")
    assert [c.phone for c in by_name] == ["+5521998765432"]
    customer = await store.get_customer(by_cpf[0].id)
    assert customer is not None and customer.total_spent == Decimal("589.91")
    assert await store.get_customer(1) is None


@pytest.mark.parametrize("token", ["", "wrong-token"])
async def test_bad_token_is_auth_error(token: str) -> None:
    async with NuvemshopClient(
        store_id="demo", access_token=token, user_agent=USER_AGENT, transport=demo_transport()
    ) as client:
        with pytest.raises(NuvemshopAuthError) as caught:
            await client.find_order_by_number(1001)
    assert caught.value.status_code == 401
    assert "wrong-token" not in str(caught.value)


async def test_other_store_id_is_auth_error() -> None:
    async with NuvemshopClient(
        store_id="123456",
        access_token="demo-token",
        user_agent=USER_AGENT,
        transport=demo_transport(),
    ) as client:
        with pytest.raises(NuvemshopAuthError):
            await client.get_order(1890000101)


async def test_missing_user_agent_is_bad_request() -> None:
    async with NuvemshopClient(
        store_id="demo", access_token="demo-token", user_agent="", transport=demo_transport()
    ) as client:
        with pytest.raises(NuvemshopBadRequest):
            await client.search_orders("ana")
