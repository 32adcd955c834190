import logging
from typing import Any

import httpx
import pytest
import respx

from integrations.whatsapp.client import WhatsAppClient
from integrations.whatsapp.errors import (
    AuthError,
    InvalidRecipientError,
    NetworkError,
    ReEngagementError,
    ServerError,
    ThrottlingError,
)
from integrations.whatsapp.fake_graph import FakeGraphAPI
from integrations.whatsapp.pacing import LocalPacer
from tests.integrations.whatsapp.test_pacing import FakeClock, Recorder

TOKEN = "EAAG-secret-token-value"
NUMBER_ID = "106540352242922"
ANA = "5511987654321"


@pytest.fixture
def graph() -> FakeGraphAPI:
    return FakeGraphAPI(access_token=TOKEN, phone_number_id=NUMBER_ID)


@pytest.fixture
def sleeps() -> Recorder:
    return Recorder()


def client_for(graph: FakeGraphAPI, sleeps: Recorder, **options: Any) -> WhatsAppClient:
    return WhatsAppClient(
        access_token=TOKEN,
        phone_number_id=NUMBER_ID,
        transport=graph.transport(),
        sleep=sleeps,
        **options,
    )


def sent_types(graph: FakeGraphAPI, recipient: str = ANA) -> list[str]:
    return [m.payload["type"] for m in graph.messages(recipient)]


async def test_each_message_type_is_delivered(graph: FakeGraphAPI, sleeps: Recorder) -> None:
    async with client_for(graph, sleeps) as client:
        ids = [
            *await client.send_text(ANA, "Olá! Seu pedido saiu para entrega."),
            *await client.send_buttons(ANA, "Ajudo em algo mais?", [{"id": "sim", "title": "Sim"}]),
            *await client.send_list(ANA, "Escolha o pedido", [{"id": "1001", "title": "#1001"}]),
            *await client.send_template(ANA, "pedido_enviado", parameters=["Ana", "1001"]),
        ]
    assert sent_types(graph) == ["text", "interactive", "interactive", "template"]
    assert ids == [m.id for m in graph.messages(ANA)]
    assert all(i.startswith("wamid.") for i in ids)
    template = graph.messages(ANA)[-1].payload["template"]
    assert template["components"][0]["parameters"][1] == {"type": "text", "text": "1001"}


async def test_send_takes_the_graph_outbox_shape(graph: FakeGraphAPI, sleeps: Recorder) -> None:
    outbox = [
        {"type": "text", "text": "Encontrei seu pedido."},
        {"type": "buttons", "text": "Quer o rastreio?", "buttons": [{"id": "t", "title": "Sim"}]},
    ]
    async with client_for(graph, sleeps) as client:
        for message in outbox:
            await client.send(ANA, message)
    assert sent_types(graph) == ["text", "interactive"]


async def test_long_text_arrives_as_ordered_parts(graph: FakeGraphAPI, sleeps: Recorder) -> None:
    text = " ".join(f"Frase número {i}." for i in range(700))
    async with client_for(graph, sleeps) as client:
        ids = await client.send_text(ANA, text)
    bodies = [m.payload["text"]["body"] for m in graph.messages(ANA)]
    assert len(ids) == len(bodies) == 4
    assert all(len(body) <= 4096 and body.endswith(".") for body in bodies)
    assert " ".join(bodies) == text


@pytest.mark.parametrize(("status", "code"), [(500, 131000), (429, 4), (400, 130429), (503, 2)])
async def test_transient_failures_are_retried_and_delivered_once(
    graph: FakeGraphAPI, sleeps: Recorder, status: int, code: int
) -> None:
    graph.fail_next(status, code)
    async with client_for(graph, sleeps) as client:
        ids = await client.send_text(ANA, "Oi")
    assert len(ids) == 1 and len(graph.messages(ANA)) == 1
    assert graph.requests == 2
    assert len(sleeps.sleeps) == 1 and 0 <= sleeps.sleeps[0] <= 1.0


async def test_pair_rate_errors_back_off_fourfold(graph: FakeGraphAPI, sleeps: Recorder) -> None:
    graph.fail_next(400, 131056, times=2)
    async with client_for(graph, sleeps) as client:
        await client.send_text(ANA, "Oi")
    assert len(graph.messages(ANA)) == 1
    assert 1.0 <= sleeps.sleeps[0] <= 1.25 and 4.0 <= sleeps.sleeps[1] <= 5.0


async def test_retry_after_is_honoured_up_to_the_cap(graph: FakeGraphAPI, sleeps: Recorder) -> None:
    graph.fail_next(429, 4, retry_after=2.5)
    graph.fail_next(429, 4, retry_after=600)
    async with client_for(graph, sleeps, max_wait=30.0) as client:
        await client.send_text(ANA, "Oi")
    assert sleeps.sleeps == [2.5, 30.0]


async def test_retries_stop_after_the_attempts(graph: FakeGraphAPI, sleeps: Recorder) -> None:
    graph.fail_next(500, 131000, times=10)
    async with client_for(graph, sleeps, attempts=3) as client:
        with pytest.raises(ServerError):
            await client.send_text(ANA, "Oi")
    assert graph.requests == 3 and graph.messages(ANA) == []


async def test_client_errors_are_not_retried(graph: FakeGraphAPI, sleeps: Recorder) -> None:
    graph.fail_next(400, 131026)
    async with client_for(graph, sleeps) as client:
        with pytest.raises(InvalidRecipientError) as raised:
            await client.send_text(ANA, "Oi")
    assert graph.requests == 1 and sleeps.sleeps == []
    assert raised.value.code == 131026 and raised.value.fbtrace_id


async def test_spam_limits_are_not_retried(graph: FakeGraphAPI, sleeps: Recorder) -> None:
    graph.fail_next(400, 131048)
    async with client_for(graph, sleeps) as client:
        with pytest.raises(ThrottlingError):
            await client.send_text(ANA, "Oi")
    assert graph.requests == 1


async def test_outside_the_window_only_templates_go(graph: FakeGraphAPI, sleeps: Recorder) -> None:
    graph.close_window(ANA)
    async with client_for(graph, sleeps) as client:
        with pytest.raises(ReEngagementError):
            await client.send_text(ANA, "Oi de novo")
        await client.send_template(ANA, "retomar_conversa")
    assert sent_types(graph) == ["template"]
    assert graph.requests == 2


async def test_a_wrong_token_is_an_auth_error(graph: FakeGraphAPI, sleeps: Recorder) -> None:
    async with WhatsAppClient(
        access_token="expired", phone_number_id=NUMBER_ID, transport=graph.transport(), sleep=sleeps
    ) as client:
        with pytest.raises(AuthError) as raised:
            await client.send_text(ANA, "Oi")
    assert raised.value.code == 190 and raised.value.status == 401
    assert graph.requests == 1


async def test_mark_read_shows_typing(graph: FakeGraphAPI, sleeps: Recorder) -> None:
    async with client_for(graph, sleeps) as client:
        await client.mark_read("wamid.ABC")
        await client.mark_read("wamid.DEF", typing=False)
    assert graph.reads == [
        {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": "wamid.ABC",
            "typing_indicator": {"type": "text"},
        },
        {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.DEF"},
    ]


async def test_parts_of_a_reply_are_paced(graph: FakeGraphAPI, sleeps: Recorder) -> None:
    clock = FakeClock()
    pacer = LocalPacer(clock=clock, sleep=clock.sleep)
    text = "Parágrafo. " * 500
    async with client_for(graph, sleeps, pacer=pacer) as client:
        await client.send(
            ANA, {"type": "buttons", "text": text, "buttons": [{"id": "a", "title": "Ok"}]}
        )
        await client.mark_read("wamid.ABC")
    assert sent_types(graph) == ["text", "text", "interactive"]
    assert clock.sleeps == [1.0, 1.0]


async def test_connect_errors_retry_but_read_timeouts_do_not(sleeps: Recorder) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append("x")
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        raise httpx.ReadTimeout("slow", request=request)

    async with WhatsAppClient(
        access_token=TOKEN,
        phone_number_id=NUMBER_ID,
        transport=httpx.MockTransport(handler),
        sleep=sleeps,
    ) as client:
        with pytest.raises(NetworkError) as raised:
            await client.send_text(ANA, "Oi")
    assert len(calls) == 2 and raised.value.retryable is False


@respx.mock
async def test_requests_hit_the_graph_api_with_a_bearer_token() -> None:
    route = respx.post(f"https://graph.facebook.com/v21.0/{NUMBER_ID}/messages").respond(
        200,
        json={
            "messaging_product": "whatsapp",
            "contacts": [{"input": ANA, "wa_id": ANA}],
            "messages": [{"id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA"}],
        },
    )
    async with WhatsAppClient(access_token=TOKEN, phone_number_id=NUMBER_ID) as client:
        ids = await client.send_text(ANA, "Oi")
    request = route.calls.last.request
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"] == "application/json"
    assert TOKEN not in str(request.url)
    assert ids == ["wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA"]


async def test_logs_hold_no_token_number_text_or_message_id(
    graph: FakeGraphAPI, sleeps: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    graph.fail_next(500, 131000)
    graph.fail_next(400, 131026)
    with caplog.at_level(logging.DEBUG):
        async with client_for(graph, sleeps) as client:
            with pytest.raises(InvalidRecipientError):
                await client.send_text(ANA, "Segredo do pedido 1001")
            ids = await client.send_text(ANA, "Segredo do pedido 1001")
            await client.mark_read(ids[0])
    assert "whatsapp" in caplog.text and "131026" in caplog.text
    for secret in (TOKEN, ANA, "Segredo", ids[0]):
        assert secret not in caplog.text
