"""The code exchange against the offline Nuvemshop, and against answers it does not give."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest

from integrations.nuvemshop.demo import (
    DEMO_APP_ID,
    DEMO_CLIENT_SECRET,
    DEMO_INSTALL_STORE_ID,
    DemoNuvemshop,
)
from integrations.nuvemshop.errors import NuvemshopServerError, NuvemshopUnavailable
from integrations.nuvemshop.oauth import (
    AUTHORIZE_URL,
    TOKEN_URL,
    AppCredentials,
    AuthorizationError,
    InvalidClient,
    InvalidGrant,
    OAuthClient,
    authorize_url,
)
from tests.nuvemshop_fixtures import CALLBACK, ManualClock

USER_AGENT = "Atendente tests (dev@example.com)"
REDIRECT = CALLBACK


def oauth(nuvemshop: DemoNuvemshop, secret: str = DEMO_CLIENT_SECRET) -> OAuthClient:
    return OAuthClient(
        AppCredentials(DEMO_APP_ID, secret), user_agent=USER_AGENT, transport=nuvemshop.transport()
    )


def test_the_authorize_link_names_the_app_and_carries_the_state() -> None:
    link = authorize_url(AUTHORIZE_URL, "4321", "a b&c")
    assert link == "https://www.nuvemshop.com.br/apps/4321/authorize?state=a+b%26c"
    assert (
        authorize_url("https://x.test/auth?lang=pt", "1", "s")
        == "https://x.test/auth?lang=pt&state=s"
    )


async def test_a_code_becomes_the_stores_token_and_scopes(nuvemshop: DemoNuvemshop) -> None:
    grant = await oauth(nuvemshop).exchange(nuvemshop.issue_code())
    store = nuvemshop.stores[DEMO_INSTALL_STORE_ID]
    assert grant.store_id == DEMO_INSTALL_STORE_ID
    assert grant.access_token == store.access_token
    assert grant.scopes == ("read_orders", "read_customers", "read_products")
    assert grant.access_token not in repr(grant)


async def test_the_authorize_page_redirects_back_with_code_and_state(
    nuvemshop: DemoNuvemshop,
) -> None:
    async with httpx.AsyncClient(transport=nuvemshop.transport()) as browser:
        answer = await browser.get(authorize_url(AUTHORIZE_URL, DEMO_APP_ID, "xyz"))
    assert answer.status_code == 302
    back = httpx.URL(answer.headers["location"])
    assert str(back).startswith(REDIRECT + "?")
    assert back.params["state"] == "xyz"
    grant = await oauth(nuvemshop).exchange(back.params["code"])
    assert grant.store_id == DEMO_INSTALL_STORE_ID


async def test_a_code_works_once(nuvemshop: DemoNuvemshop) -> None:
    code = nuvemshop.issue_code()
    await oauth(nuvemshop).exchange(code)
    with pytest.raises(InvalidGrant) as refused:
        await oauth(nuvemshop).exchange(code)
    assert refused.value.description == "The authorization code was already used"


async def test_a_code_expires_after_five_minutes(
    nuvemshop: DemoNuvemshop, clock: ManualClock
) -> None:
    code = nuvemshop.issue_code()
    clock.now += 301
    with pytest.raises(InvalidGrant, match="refused the code: invalid_grant"):
        await oauth(nuvemshop).exchange(code)


async def test_an_unknown_code_and_a_wrong_secret_are_told_apart(
    nuvemshop: DemoNuvemshop, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(InvalidGrant):
        await oauth(nuvemshop).exchange("not-a-code")
    code = nuvemshop.issue_code()
    with pytest.raises(InvalidClient) as refused:
        await oauth(nuvemshop, secret="wrong-secret").exchange(code)
    assert refused.value.status_code == 401
    assert "wrong-secret" not in caplog.text and code not in caplog.text
    assert code not in str(refused.value)


async def test_a_new_install_voids_the_previous_token(nuvemshop: DemoNuvemshop) -> None:
    first = await oauth(nuvemshop).exchange(nuvemshop.issue_code())
    second = await oauth(nuvemshop).exchange(nuvemshop.issue_code())
    assert first.access_token != second.access_token
    assert nuvemshop.stores[DEMO_INSTALL_STORE_ID].access_token == second.access_token


Handler = Callable[[httpx.Request], httpx.Response]


def answering(handler: Handler) -> OAuthClient:
    return OAuthClient(
        AppCredentials("1", "secret"),
        user_agent=USER_AGENT,
        token_url="https://tokens.example.com/token",
        transport=httpx.MockTransport(handler),
    )


async def test_the_request_is_the_documented_json_body() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = {"access_token": "t", "token_type": "bearer", "scope": "", "user_id": "789"}
        return httpx.Response(200, json=body)

    grant = await answering(handler).exchange("xyz")
    assert grant.store_id == "789" and grant.scopes == ()
    [request] = seen
    assert str(request.url) == "https://tokens.example.com/token"
    assert request.headers["user-agent"] == USER_AGENT
    assert httpx.Response(200, content=request.content).json() == {
        "client_id": "1",
        "client_secret": "secret",
        "grant_type": "authorization_code",
        "code": "xyz",
    }
    assert TOKEN_URL == "https://www.nuvemshop.com/apps/authorize/token"


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (400, {"error": "invalid_grant", "error_description": "expired"}, InvalidGrant),
        (401, {"message": "Unauthorized"}, InvalidClient),
        (400, {"error": "invalid_request"}, AuthorizationError),
        (403, "<html>forbidden</html>", AuthorizationError),
        (200, {"token_type": "bearer", "user_id": 1}, AuthorizationError),
        (200, {"access_token": "t", "user_id": "../1"}, AuthorizationError),
        (200, {"access_token": "t"}, AuthorizationError),
        (502, None, NuvemshopServerError),
    ],
)
async def test_every_refusal_is_a_typed_error(
    status: int, body: object, error: type[Exception]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(body, str):
            return httpx.Response(status, text=body)
        return httpx.Response(status, json=body)

    with pytest.raises(error):
        await answering(handler).exchange("xyz")


async def test_no_answer_is_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("slow", request=request)

    with pytest.raises(NuvemshopUnavailable):
        await answering(handler).exchange("xyz")
