from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

import httpx
import pytest

from integrations.nuvemshop.demo import demo_orders
from integrations.tracking.base import TrackingProvider
from integrations.tracking.correios import BRASILIA, CorreiosClient, correios_status
from integrations.tracking.demo import DEMO_HISTORIES, DEMO_REFERENCE_TIME, demo_correios_transport
from integrations.tracking.errors import (
    TrackingAuthError,
    TrackingBadRequest,
    TrackingError,
    TrackingRateLimited,
    TrackingServerError,
    TrackingUnavailable,
)

Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
async def correios() -> AsyncIterator[CorreiosClient]:
    async with CorreiosClient(token="demo-token", transport=demo_correios_transport()) as client:
        yield client


def client_with(handler: Handler) -> CorreiosClient:
    return CorreiosClient(token="t0ken", transport=httpx.MockTransport(handler))


def test_client_is_a_tracking_provider() -> None:
    assert isinstance(CorreiosClient(token="x"), TrackingProvider)


async def test_out_for_delivery_package(correios: CorreiosClient) -> None:
    info = await correios.track("aa 123 456 785 br")
    assert info is not None
    assert (info.code, info.carrier, info.status) == (
        "AA123456785BR",
        "correios",
        "out_for_delivery",
    )
    assert info.url == "https://rastreamento.correios.com.br/app/index.php?objetos=AA123456785BR"
    assert info.events[0].description == "Objeto saiu para entrega ao destinatário"
    assert info.events[-1].description == "Objeto postado"
    assert [e.at for e in info.events] == sorted((e.at for e in info.events), reverse=True)
    assert len(info.events) >= 4
    transfer = info.events[-2]
    assert transfer.description == "Objeto em transferência - por favor aguarde"
    assert (transfer.location, transfer.destination) == ("SAO PAULO - SP", "CAJAMAR - SP")
    assert info.events[0].at == datetime(2026, 11, 24, 8, 12, 5, tzinfo=BRASILIA)
    assert info.latest_event == info.events[0]


async def test_delivered_package(correios: CorreiosClient) -> None:
    info = await correios.track("QC400289226BR")
    assert info is not None and info.status == "delivered"
    assert info.events[0].description == "Objeto entregue ao destinatário"
    assert info.events[0].location == "BELO HORIZONTE - MG"


@pytest.mark.parametrize(
    ("code", "status", "latest"),
    [
        ("QB528419374BR", "awaiting_pickup", "Objeto aguardando retirada no endereço indicado"),
        ("QD610392841BR", "returned", "Objeto devolvido ao remetente"),
        ("QF704829168BR", "in_transit", "Objeto em transferência - por favor aguarde"),
        ("AE905172639BR", "posted", "Objeto postado"),
        ("QM158204760BR", "lost", "Objeto extraviado"),
        ("QN370492185BR", "exception", "A entrega não pode ser efetuada - Carteiro não atendido"),
    ],
)
async def test_varied_demo_states(
    correios: CorreiosClient, code: str, status: str, latest: str
) -> None:
    info = await correios.track(code)
    assert info is not None and info.status == status
    assert info.events[0].description == latest


async def test_stalled_package_has_no_update_for_ten_days(correios: CorreiosClient) -> None:
    info = await correios.track("QF704829168BR")
    assert info is not None and info.latest_event is not None
    assert DEMO_REFERENCE_TIME - info.latest_event.at > timedelta(days=10)


async def test_every_shipped_demo_order_is_known_to_the_demo_carrier(
    correios: CorreiosClient,
) -> None:
    codes = {o["shipping_tracking_number"] for o in demo_orders()} - {None}
    assert codes == set(DEMO_HISTORIES)
    for order in demo_orders():
        code = order["shipping_tracking_number"]
        if code is None:
            continue
        info = await correios.track(code)
        assert info is not None
        shipped = datetime.fromisoformat(order["shipped_at"])
        assert info.events[-1].at >= shipped, code


async def test_demo_can_be_moved_to_another_day() -> None:
    now = datetime(2027, 3, 1, 12, 0, tzinfo=BRASILIA)
    transport = demo_correios_transport(now=now)
    async with CorreiosClient(token="demo-token", transport=transport) as client:
        info = await client.track("AA123456785BR")
    assert info is not None and info.latest_event is not None
    assert info.latest_event.at == datetime(2027, 3, 1, 8, 12, 5, tzinfo=BRASILIA)


async def test_unknown_and_invalid_codes_are_none(correios: CorreiosClient) -> None:
    assert await correios.track("AB123456780BR") is None
    assert await correios.track("AA123456789BR") is None
    assert await correios.track("not a code") is None
    assert await correios.track("AA1234/../BR") is None


async def test_bad_token_is_auth_error() -> None:
    async with CorreiosClient(token="wrong", transport=demo_correios_transport()) as client:
        with pytest.raises(TrackingAuthError) as caught:
            await client.track("AA123456785BR")
    assert caught.value.status_code == 401 and "wrong" not in str(caught.value)


async def test_request_shape() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"objetos": [{"codObjeto": "X", "mensagem": "SRO-020"}]})

    async with client_with(handler) as client:
        assert await client.track("AA123456785BR") is None
    assert str(seen[0].url) == (
        "https://api.correios.com.br/srorastro/v1/objetos/AA123456785BR?resultado=T"
    )
    assert seen[0].headers["Authorization"] == "Bearer t0ken"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, TrackingBadRequest),
        (403, TrackingAuthError),
        (404, TrackingBadRequest),
        (429, TrackingRateLimited),
        (500, TrackingServerError),
        (503, TrackingServerError),
    ],
)
async def test_status_codes_map_to_typed_errors(status: int, error: type[Exception]) -> None:
    async with client_with(lambda r: httpx.Response(status, json={"msgs": ["x"]})) as client:
        with pytest.raises(error):
            await client.track("AA123456785BR")


@pytest.mark.parametrize("exception", [httpx.ConnectTimeout("slow"), httpx.ConnectError("down")])
async def test_no_answer_is_unavailable(exception: Exception) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exception

    async with client_with(handler) as client:
        with pytest.raises(TrackingUnavailable):
            await client.track("AA123456785BR")


@pytest.mark.parametrize("body", [{"foo": 1}, {"objetos": []}, [1, 2]])
async def test_unexpected_bodies_are_tracking_errors(body: object) -> None:
    async with client_with(lambda r: httpx.Response(200, json=body)) as client:
        with pytest.raises(TrackingError):
            await client.track("AA123456785BR")


async def test_timestamps_with_offset_are_kept_and_events_sorted() -> None:
    events = [
        {
            "codigo": "PO",
            "tipo": "01",
            "dtHrCriado": "2026-11-01T10:00:00",
            "descricao": "Objeto postado",
        },
        {
            "codigo": "BDE",
            "tipo": "01",
            "dtHrCriado": "2026-11-03T12:00:00-03:00",
            "descricao": "Objeto entregue ao destinatário",
        },
    ]
    body = {"objetos": [{"codObjeto": "AA123456785BR", "eventos": events}]}
    async with client_with(lambda r: httpx.Response(200, json=body)) as client:
        info = await client.track("AA123456785BR")
    assert info is not None and info.status == "delivered"
    assert [e.location for e in info.events] == [None, None]
    assert info.events[1].at.utcoffset() == timedelta(hours=-3)


@pytest.mark.parametrize(
    ("codigo", "tipo", "descricao", "status"),
    [
        ("BDE", "01", "Objeto entregue ao destinatário", "delivered"),
        ("BDI", "1", "Objeto entregue ao destinatário", "delivered"),
        ("BDR", "23", "Objeto devolvido ao remetente", "returned"),
        ("BDE", "20", "A entrega não pode ser efetuada - Carteiro não atendido", "exception"),
        ("BDE", "50", "Objeto roubado", "lost"),
        ("OEC", "01", "Objeto saiu para entrega ao destinatário", "out_for_delivery"),
        ("LDI", "01", "Objeto aguardando retirada no endereço indicado", "awaiting_pickup"),
        ("PO", "09", "Objeto postado após o horário limite da unidade", "posted"),
        ("RO", "01", "Objeto em transferência - por favor aguarde", "in_transit"),
        ("DO", "01", "Objeto em trânsito - por favor aguarde", "in_transit"),
        ("FC", "01", "Objeto será devolvido por solicitação do remetente", "returned"),
        ("XYZ", "01", "Objeto saiu para entrega ao remetente", "out_for_delivery"),
        ("XYZ", "01", "Novo evento desconhecido", "unknown"),
    ],
)
def test_event_mapping(codigo: str, tipo: str, descricao: str, status: str) -> None:
    assert correios_status(codigo, tipo, descricao) == status
