import re

import httpx
import pytest

from integrations.nuvemshop.demo import DemoStore, demo_customers, demo_orders, demo_transport
from integrations.nuvemshop.models import (
    ORDER_STATUSES,
    PAYMENT_STATUSES,
    SHIPPING_STATUSES,
    Customer,
    Order,
)

ORDERS = demo_orders()
HEADERS = {"Authentication": "bearer demo-token", "User-Agent": "tests (dev@example.com)"}
S10 = re.compile(r"^[A-Z]{2}\d{9}[A-Z]{2}$")


def cpf_is_valid(cpf: str) -> bool:
    digits = [int(c) for c in cpf if c.isdigit()]
    if len(digits) != 11 or len(set(digits)) == 1:
        return False
    for size in (9, 10):
        total = sum(d * (size + 1 - i) for i, d in enumerate(digits[:size]))
        if (total * 10) % 11 % 10 != digits[size]:
            return False
    return True


def s10_is_valid(code: str) -> bool:
    if not S10.match(code):
        return False
    weights = (8, 6, 4, 2, 3, 5, 9, 7)
    remainder = sum(int(d) * w for d, w in zip(code[2:10], weights, strict=True)) % 11
    check = {0: 5, 1: 0}.get(remainder, 11 - remainder)
    return check == int(code[10])


def test_cpf_check_itself() -> None:
    assert cpf_is_valid("529.982.247-25")
    assert not cpf_is_valid("529.982.247-26")
    assert not cpf_is_valid("111.111.111-11")
    assert s10_is_valid("AA123456785BR") and not s10_is_valid("AA123456789BR")


def test_demo_has_enough_realistic_orders() -> None:
    assert len(ORDERS) >= 30
    numbers = [o["number"] for o in ORDERS]
    assert numbers == sorted(numbers) and numbers[0] == 1001 and len(set(numbers)) == len(numbers)
    for raw in ORDERS:
        order = Order.model_validate(raw)
        assert order.id > 1_000_000_000
        assert order.currency == "BRL"
        assert re.fullmatch(r"\d+\.\d{2}", raw["total"])
        assert raw["created_at"].startswith("2026-") and raw["created_at"].endswith("-0300")


def test_demo_covers_every_status_and_method() -> None:
    assert {o["status"] for o in ORDERS} == set(ORDER_STATUSES)
    assert {o["payment_status"] for o in ORDERS} == set(PAYMENT_STATUSES)
    assert {o["shipping_status"] for o in ORDERS} == set(SHIPPING_STATUSES)
    assert {o["payment_details"]["method"] for o in ORDERS} >= {"credit_card", "boleto", "pix"}


def test_demo_has_the_payment_cases_support_needs() -> None:
    def find(payment_status: str, method: str) -> list[dict[str, object]]:
        return [
            o
            for o in ORDERS
            if o["payment_status"] == payment_status and o["payment_details"]["method"] == method
        ]

    pending_pix = find("pending", "pix")
    assert pending_pix and all(str(o["gateway_link"]).startswith("https://") for o in pending_pix)
    pending_boleto = find("pending", "boleto")
    assert all(o["gateway_link"] for o in pending_boleto)


def test_every_cpf_phone_and_email_is_valid_and_owned_by_one_customer() -> None:
    owner_of: dict[str, set[str]] = {}
    for order in ORDERS:
        name = order["contact_name"]
        assert cpf_is_valid(order["contact_identification"]), order["number"]
        assert re.fullmatch(r"\+55\d{2}9\d{8}", order["contact_phone"])
        assert order["contact_email"].endswith("@example.com")
        for key in ("contact_identification", "contact_phone", "contact_email"):
            owner_of.setdefault(order[key], set()).add(name)
    assert all(len(names) == 1 for names in owner_of.values())


def test_every_tracking_code_is_a_valid_s10_with_its_correios_url() -> None:
    shipped = [o for o in ORDERS if o["shipping_tracking_number"]]
    assert len(shipped) >= 10
    for order in shipped:
        code = order["shipping_tracking_number"]
        assert s10_is_valid(code), code
        assert order["shipping_tracking_url"] == (
            f"https://rastreamento.correios.com.br/app/index.php?objetos={code}"
        )
        assert order["shipped_at"] is not None
    codes = [o["shipping_tracking_number"] for o in shipped]
    assert len(codes) == len(set(codes))


def test_customers_derive_from_orders() -> None:
    customers = [Customer.model_validate(c) for c in demo_customers()]
    assert len(customers) == len({o["contact_email"] for o in ORDERS})
    assert all(cpf_is_valid(c.identification or "") for c in customers)


async def _get(path: str, store: DemoStore | None = None, **params: str) -> httpx.Response:
    handler = (store or DemoStore()).handle
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(handler), base_url="https://api.nuvemshop.com.br"
    ) as http:
        return await http.get(path, params=params, headers=HEADERS)


async def test_list_headers_match_the_real_api() -> None:
    response = await _get("/v1/demo/orders", per_page="10", page="2")
    assert response.status_code == 200 and len(response.json()) == 10
    assert response.headers["x-total-count"] == str(len(ORDERS))
    assert "page=3" in response.links["next"]["url"]
    assert "page=1" in response.links["prev"]["url"]
    assert "page=4" in response.links["last"]["url"]
    for header in ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"):
        assert response.headers[header].isdigit()
    assert all(o["store_id"] == "demo" for o in response.json())


async def test_empty_page_is_404_last_page() -> None:
    empty = await _get("/v1/demo/orders", q="ninguem")
    assert empty.status_code == 404
    assert empty.json()["description"] == "Last page is 0"
    beyond = await _get("/v1/demo/orders", page="99")
    assert beyond.status_code == 404 and beyond.json()["description"] == "Last page is 2"


async def test_per_page_is_capped_at_200_and_filters_apply() -> None:
    response = await _get("/v1/demo/orders", per_page="500")
    assert len(response.json()) == len(ORDERS)
    shipped = await _get("/v1/demo/orders", shipping_status="fulfilled", per_page="200")
    assert {o["shipping_status"] for o in shipped.json()} == {"shipped"}
    cancelled = await _get("/v1/demo/orders", status="cancelled")
    assert {o["status"] for o in cancelled.json()} == {"cancelled"}


async def test_full_bucket_answers_429_when_enforced() -> None:
    now = [0.0]
    store = DemoStore(enforce_rate_limit=True, clock=lambda: now[0])
    statuses = [(await _get("/v1/demo/customers", store)).status_code for _ in range(41)]
    assert statuses[:40] == [200] * 40 and statuses[40] == 429
    limited = await _get("/v1/demo/customers", store)
    assert limited.headers["x-rate-limit-remaining"] == "0"
    assert int(limited.headers["x-rate-limit-reset"]) == 20_000
    now[0] = 1.0
    assert (await _get("/v1/demo/customers", store)).status_code == 200


@pytest.mark.parametrize("path", ["/v1/demo/coupons", "/v1/demo/orders/abc"])
async def test_unknown_resources_are_404(path: str) -> None:
    assert (await _get(path)).status_code == 404


async def test_demo_transport_factory_accepts_custom_credentials() -> None:
    transport = demo_transport(store_id="42", access_token="secret")
    async with httpx.AsyncClient(transport=transport, base_url="https://x") as http:
        ok = await http.get(
            "/v1/42/orders/1890000101",
            headers={"Authentication": "bearer secret", "User-Agent": "t"},
        )
        denied = await http.get("/v1/42/orders/1890000101", headers=HEADERS)
    assert ok.json()["number"] == 1001 and denied.status_code == 401


async def test_products_and_pages_answer_in_the_api_shapes() -> None:
    found = await _get("/v1/demo/products", q="VESTIDO midi", fields="id,name,variants")
    assert found.status_code == 200
    (product,) = found.json()
    assert set(product) == {"id", "name", "variants"}
    assert product["name"] == {"pt": "Vestido Midi Floral"}
    assert {"price", "promotional_price", "stock", "stock_management", "values"} <= set(
        product["variants"][0]
    )
    by_sku = await _get("/v1/demo/products", q="AUR-JAQ")
    assert [p["id"] for p in by_sku.json()] == [301004155]
    assert (await _get("/v1/demo/products/301004100")).json()["id"] == 301004100
    assert (await _get("/v1/demo/products/1")).status_code == 404
    pages = (await _get("/v1/demo/pages")).json()
    assert {page["handle"]["pt"] for page in pages} >= {"guia-de-medidas", "quem-somos"}


async def test_every_product_an_order_names_is_in_the_catalog() -> None:
    catalog = {p["id"]: p for p in (await _get("/v1/demo/products", per_page="200")).json()}
    for order in (await _get("/v1/demo/orders", per_page="200")).json():
        for item in order["products"]:
            variants = {v["id"]: v for v in catalog[item["product_id"]]["variants"]}
            variant = variants[item["variant_id"]]
            assert [value["pt"] for value in variant["values"]] == item["variant_values"]
