import logging
from collections.abc import Callable

import httpx
import pytest
import respx

from integrations.nuvemshop.client import NuvemshopClient
from integrations.nuvemshop.errors import (
    NuvemshopAuthError,
    NuvemshopBadRequest,
    NuvemshopError,
    NuvemshopNotFound,
    NuvemshopPaymentRequired,
    NuvemshopRateLimited,
    NuvemshopServerError,
    NuvemshopUnavailable,
    NuvemshopValidationError,
)

Handler = Callable[[httpx.Request], httpx.Response]
ORDER = {"id": 7, "number": 1001, "status": "open", "payment_status": "paid"}


def client_with(handler: Handler) -> NuvemshopClient:
    return NuvemshopClient(
        store_id="123",
        access_token="s3cret-token",
        user_agent="Atendente (dev@example.com)",
        transport=httpx.MockTransport(handler),
    )


def answer(status: int, body: object = None, **headers: str) -> Handler:
    return lambda request: httpx.Response(status, json=body, headers=headers)


async def test_requests_carry_the_nuvemshop_headers_and_base_url() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=ORDER)

    async with client_with(handler) as client:
        await client.get_order(7)
    request = seen[0]
    assert str(request.url) == "https://api.nuvemshop.com.br/v1/123/orders/7"
    assert request.headers["Authentication"] == "bearer s3cret-token"
    assert request.headers["User-Agent"] == "Atendente (dev@example.com)"
    assert request.headers["Content-Type"] == "application/json"
    assert "authorization" not in request.headers


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, NuvemshopBadRequest),
        (401, NuvemshopAuthError),
        (402, NuvemshopPaymentRequired),
        (422, NuvemshopValidationError),
        (429, NuvemshopRateLimited),
        (500, NuvemshopServerError),
        (502, NuvemshopServerError),
        (503, NuvemshopServerError),
        (418, NuvemshopError),
    ],
)
async def test_status_codes_map_to_typed_errors(status: int, error: type[Exception]) -> None:
    body = {"code": status, "message": "x", "description": "y"}
    async with client_with(answer(status, body)) as client:
        with pytest.raises(error) as caught:
            await client.search_orders("ana")
    assert isinstance(caught.value, NuvemshopError)
    assert caught.value.status_code == status
    assert "s3cret-token" not in str(caught.value)


async def test_rate_limit_error_carries_reset_ms() -> None:
    handler = answer(429, {"code": 429}, **{"x-rate-limit-reset": "1500"})
    async with client_with(handler) as client:
        with pytest.raises(NuvemshopRateLimited) as caught:
            await client.get_order(7)
    assert caught.value.reset_ms == 1500


async def test_validation_error_keeps_field_errors_as_description() -> None:
    body = {"code": 422, "message": "Unprocessable Entity", "description": {"q": ["invalid"]}}
    async with client_with(answer(422, body)) as client:
        with pytest.raises(NuvemshopValidationError) as caught:
            await client.search_customers("x")
    assert caught.value.description == '{"q": ["invalid"]}'


@pytest.mark.parametrize("exception", [httpx.ReadTimeout("slow"), httpx.ConnectError("refused")])
async def test_no_answer_is_unavailable(exception: Exception) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exception

    async with client_with(handler) as client:
        with pytest.raises(NuvemshopUnavailable):
            await client.find_order_by_number(1001)


async def test_404_on_single_order_is_none_and_on_list_is_empty() -> None:
    not_found = answer(404, {"code": 404, "message": "Not Found", "description": "Last page is 0"})
    async with client_with(not_found) as client:
        assert await client.get_order(7) is None
        assert await client.get_customer(7) is None
        assert await client.search_orders("x") == []
        assert await client.search_customers("x") == []
        assert await client.find_order_by_number(1001) is None


async def test_find_by_number_needs_an_exact_number_match() -> None:
    near_misses = [
        {**ORDER, "id": 1, "number": 10010, "contact_email": "x1001@example.com"},
        {**ORDER, "id": 2, "number": 1001},
    ]
    async with client_with(answer(200, near_misses)) as client:
        order = await client.find_order_by_number("1001")
    assert order is not None and order.id == 2


async def test_pagination_uses_only_the_page_number_of_the_link() -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        page = request.url.params["page"]
        link = '<https://evil.example.com/v1/123/orders?page=2&per_page=1>; rel="next"'
        if page == "1":
            return httpx.Response(200, json=[{**ORDER, "id": 1}], headers={"Link": link})
        return httpx.Response(200, json=[{**ORDER, "id": 2}])

    async with client_with(handler) as client:
        orders = await client.search_orders("ana", per_page=1)
    assert [o.id for o in orders] == [1, 2]
    assert [u.host for u in seen] == ["api.nuvemshop.com.br"] * 2
    assert seen[1].params["q"] == "ana" and seen[1].params["page"] == "2"


async def test_unknown_status_values_do_not_break_parsing() -> None:
    odd = {**ORDER, "status": "archived", "payment_status": "in_process", "shipping_status": "x"}
    odd |= {"shipping_min_days": "", "total": "", "payment_details": {"installments": "3"}}
    async with client_with(answer(200, odd)) as client:
        order = await client.get_order(7)
    assert order is not None and order.status == "archived" and order.total is None
    assert order.payment_details is not None and order.payment_details.installments == 3


async def test_unreadable_payloads_are_nuvemshop_errors() -> None:
    async with client_with(answer(200, {"number": 1001})) as client:
        with pytest.raises(NuvemshopError):
            await client.get_order(7)
    async with client_with(lambda r: httpx.Response(200, text="<html>")) as client:
        with pytest.raises(NuvemshopError):
            await client.search_orders("x")
    async with client_with(answer(200, {"not": "a list"})) as client:
        with pytest.raises(NuvemshopError):
            await client.search_orders("x")


async def test_unexplained_404_on_a_list_is_empty_but_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with client_with(answer(404, {"code": 404, "description": "Store not found"})) as client:
        with caplog.at_level(logging.WARNING):
            assert await client.search_orders("ana.souza@example.com") == []
    assert "without a page hint" in caplog.text
    assert "ana.souza" not in caplog.text and "s3cret" not in caplog.text


async def test_not_found_error_is_typed_for_direct_requests() -> None:
    async with client_with(answer(404, {"description": "nope"})) as client:
        with pytest.raises(NuvemshopNotFound):
            await client._request("GET", "/orders/7")


@respx.mock
async def test_real_base_url_with_respx() -> None:
    route = respx.get("https://api.nuvemshop.com.br/v1/999/orders/5").mock(
        return_value=httpx.Response(200, json={**ORDER, "id": 5})
    )
    async with NuvemshopClient(store_id="999", access_token="t", user_agent="ua") as client:
        order = await client.get_order(5)
    assert route.called and order is not None and order.id == 5
