from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from integrations.tracking.correios import CorreiosClient
from integrations.tracking.correios_auth import (
    BRASILIA,
    TOKEN_PATH,
    CorreiosTokenSource,
    TokenSource,
)
from integrations.tracking.demo import (
    DEMO_CORREIOS_ACCESS_CODE,
    DEMO_CORREIOS_USER,
    DEMO_POSTAGE_CARD,
    demo_correios_transport,
)
from integrations.tracking.errors import (
    TrackingAuthError,
    TrackingError,
    TrackingServerError,
    TrackingUnavailable,
)

Handler = Callable[[httpx.Request], httpx.Response]
ISSUED_AT = datetime(2026, 11, 24, 9, 0, tzinfo=BRASILIA)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def token_answer(token: str, expires: str, *, zone: str | None = "-03:00") -> httpx.Response:
    body = {
        "ambiente": "PRODUCAO",
        "id": "loja-exemplo",
        "perfil": "PJ",
        "cartaoPostagem": {"numero": "0067599079", "contrato": "9912345678", "dr": 72},
        "emissao": "2026-11-24T09:00:00",
        "expiraEm": expires,
        "token": token,
    }
    if zone is not None:
        body["zoneOffset"] = zone
    return httpx.Response(201, json=body)


class TokenApi:
    """A token endpoint that issues tok-1, tok-2, ... each valid for `lifetime`."""

    def __init__(self, clock: Clock, lifetime: timedelta = timedelta(hours=24)) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        expires = (self.clock.now + self.lifetime).astimezone(BRASILIA).replace(tzinfo=None)
        return token_answer(f"tok-{len(self.requests)}", expires.isoformat())


def source_for(handler: Handler, clock: Clock | None = None) -> CorreiosTokenSource:
    return CorreiosTokenSource(
        user="loja",
        access_code="s3cret-code",
        postage_card="0067599079",
        transport=httpx.MockTransport(handler),
        clock=clock or Clock(ISSUED_AT),
    )


def test_source_is_a_token_source() -> None:
    assert isinstance(source_for(lambda r: httpx.Response(500)), TokenSource)


async def test_token_request_shape() -> None:
    api = TokenApi(Clock(ISSUED_AT))
    async with source_for(api) as tokens:
        assert await tokens.token() == "tok-1"
    request = api.requests[0]
    assert request.method == "POST"
    assert str(request.url) == f"https://api.correios.com.br{TOKEN_PATH}"
    expected = base64.b64encode(b"loja:s3cret-code").decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    assert json.loads(request.content) == {"numero": "0067599079"}


async def test_token_is_cached_until_shortly_before_expiry() -> None:
    clock = Clock(ISSUED_AT)
    api = TokenApi(clock)
    async with source_for(api, clock) as tokens:
        assert await tokens.token() == "tok-1"
        clock.now += timedelta(hours=23, minutes=54)
        assert await tokens.token() == "tok-1"
        assert len(api.requests) == 1
        clock.now += timedelta(minutes=1, seconds=1)  # inside the 5-minute margin
        assert await tokens.token() == "tok-2"
        assert len(api.requests) == 2


async def test_short_lived_token_is_renewed_halfway() -> None:
    clock = Clock(ISSUED_AT)
    api = TokenApi(clock, lifetime=timedelta(minutes=4))
    async with source_for(api, clock) as tokens:
        assert await tokens.token() == "tok-1"
        clock.now += timedelta(minutes=1, seconds=59)
        assert await tokens.token() == "tok-1"
        clock.now += timedelta(seconds=2)
        assert await tokens.token() == "tok-2"


@pytest.mark.parametrize(
    ("expires", "zone", "valid_until"),
    [
        ("2026-11-25T09:00:00", "-03:00", datetime(2026, 11, 25, 12, 0, tzinfo=UTC)),
        ("2026-11-25T09:00:00", None, datetime(2026, 11, 25, 12, 0, tzinfo=UTC)),
        ("2026-11-25T09:00:00", "+00:00", datetime(2026, 11, 25, 9, 0, tzinfo=UTC)),
        ("2026-11-25T09:00:00-03:00", "+05:00", datetime(2026, 11, 25, 12, 0, tzinfo=UTC)),
    ],
)
async def test_expiry_reads_the_zone_offset(
    expires: str, zone: str | None, valid_until: datetime
) -> None:
    clock = Clock(ISSUED_AT)
    async with source_for(lambda r: token_answer("tok", expires, zone=zone), clock) as tokens:
        await tokens.token()
        clock.now = valid_until - timedelta(minutes=5, seconds=1)
        assert tokens._fresh() == "tok"
        clock.now = valid_until - timedelta(minutes=4, seconds=59)
        assert tokens._fresh() is None


async def test_unreadable_expiry_is_trusted_for_an_hour() -> None:
    clock = Clock(ISSUED_AT)
    async with source_for(lambda r: token_answer("tok", "amanhã"), clock) as tokens:
        await tokens.token()
        clock.now += timedelta(minutes=50)
        assert tokens._fresh() == "tok"
        clock.now += timedelta(minutes=10)
        assert tokens._fresh() is None


async def test_concurrent_callers_share_one_token_request() -> None:
    api = TokenApi(Clock(ISSUED_AT))
    async with source_for(api) as tokens:
        got = await asyncio.gather(*(tokens.token() for _ in range(10)))
    assert set(got) == {"tok-1"} and len(api.requests) == 1


async def test_invalidate_only_drops_the_refused_token() -> None:
    api = TokenApi(Clock(ISSUED_AT))
    async with source_for(api) as tokens:
        await tokens.token()
        tokens.invalidate("someone-elses-token")
        assert await tokens.token() == "tok-1"
        tokens.invalidate("tok-1")
        assert await tokens.token() == "tok-2"


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (
            httpx.Response(401, json={"msgs": ["Usuário ou código de acesso inválido."]}),
            TrackingAuthError,
        ),
        (httpx.Response(503), TrackingServerError),
        (httpx.Response(201, json={"expiraEm": "2026-11-25T09:00:00"}), TrackingError),
        (httpx.Response(201, text="<html>"), TrackingError),
    ],
)
async def test_token_api_failures_are_typed(answer: httpx.Response, error: type[Exception]) -> None:
    async with source_for(lambda r: answer) as tokens:
        with pytest.raises(error) as caught:
            await tokens.token()
    assert "s3cret-code" not in str(caught.value)


async def test_token_api_timeout_is_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    async with source_for(handler) as tokens:
        with pytest.raises(TrackingUnavailable):
            await tokens.token()


def sro_answer() -> httpx.Response:
    event = {
        "codigo": "PO",
        "tipo": "01",
        "dtHrCriado": "2026-11-23T16:48:06",
        "descricao": "Objeto postado",
    }
    return httpx.Response(200, json={"objetos": [{"codObjeto": "X", "eventos": [event]}]})


async def test_client_retries_once_with_a_new_token_after_401() -> None:
    api = TokenApi(Clock(ISSUED_AT))
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == TOKEN_PATH:
            return api(request)
        sent.append(request.headers["Authorization"])
        return sro_answer() if sent[-1] == "Bearer tok-2" else httpx.Response(401)

    transport = httpx.MockTransport(handler)
    async with source_for(handler) as tokens:
        async with CorreiosClient(token_source=tokens, transport=transport) as client:
            info = await client.track("AE905172639BR")
            assert info is not None and info.status == "posted"
            assert sent == ["Bearer tok-1", "Bearer tok-2"]
            await client.track("AE905172639BR")
    assert sent[-1] == "Bearer tok-2" and len(api.requests) == 2


async def test_client_gives_up_after_the_second_401() -> None:
    api = TokenApi(Clock(ISSUED_AT))

    def handler(request: httpx.Request) -> httpx.Response:
        return api(request) if request.url.path == TOKEN_PATH else httpx.Response(401)

    transport = httpx.MockTransport(handler)
    async with source_for(handler) as tokens:
        async with CorreiosClient(token_source=tokens, transport=transport) as client:
            with pytest.raises(TrackingAuthError):
                await client.track("AE905172639BR")
    assert len(api.requests) == 2


def test_client_needs_exactly_one_way_to_get_a_token() -> None:
    with pytest.raises(ValueError):
        CorreiosClient()
    with pytest.raises(ValueError):
        CorreiosClient(token="x", token_source=source_for(lambda r: httpx.Response(500)))


async def test_demo_transport_issues_the_token_it_accepts() -> None:
    transport = demo_correios_transport(token="issued-token")
    tokens = CorreiosTokenSource(
        user=DEMO_CORREIOS_USER,
        access_code=DEMO_CORREIOS_ACCESS_CODE,
        postage_card=DEMO_POSTAGE_CARD,
        transport=transport,
    )
    async with tokens, CorreiosClient(token_source=tokens, transport=transport) as client:
        assert await tokens.token() == "issued-token"
        info = await client.track("AA123456785BR")
    assert info is not None and info.status == "out_for_delivery"


@pytest.mark.parametrize(
    ("user", "access_code", "card", "error"),
    [
        (DEMO_CORREIOS_USER, "wrong", DEMO_POSTAGE_CARD, TrackingAuthError),
        (DEMO_CORREIOS_USER, DEMO_CORREIOS_ACCESS_CODE, "0000000000", TrackingError),
    ],
)
async def test_demo_token_endpoint_refuses_other_credentials(
    user: str, access_code: str, card: str, error: type[Exception]
) -> None:
    tokens = CorreiosTokenSource(
        user=user, access_code=access_code, postage_card=card, transport=demo_correios_transport()
    )
    async with tokens:
        with pytest.raises(error):
            await tokens.token()
