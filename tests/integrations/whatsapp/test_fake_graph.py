from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from integrations.whatsapp.client import WhatsAppClient
from integrations.whatsapp.errors import InvalidParameterError, error_from_response
from integrations.whatsapp.fake_graph import FakeGraphAPI, recorded_messages

TOKEN = "fake-whatsapp-token"
NUMBER_ID = "100000000000001"
ANA = "5511987654321"
URL = f"https://graph.facebook.com/v21.0/{NUMBER_ID}/messages"


async def post(
    graph: FakeGraphAPI, body: Any, *, url: str = URL, token: str = TOKEN
) -> httpx.Response:
    async with httpx.AsyncClient(transport=graph.transport()) as http:
        return await http.post(url, json=body, headers={"Authorization": f"Bearer {token}"})


def message(kind: str, **content: Any) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": ANA,
        "type": kind,
        **content,
    }


def buttons(*titles: str, ids: list[str] | None = None) -> dict[str, Any]:
    ids = ids or [str(i) for i in range(len(titles))]
    replies = [
        {"type": "reply", "reply": {"id": i, "title": t}} for i, t in zip(ids, titles, strict=True)
    ]
    return message(
        "interactive",
        interactive={"type": "button", "body": {"text": "Escolha"}, "action": {"buttons": replies}},
    )


def rows(count: int, title: str = "Pedido") -> dict[str, Any]:
    items = [{"id": str(i), "title": title} for i in range(count)]
    action = {"button": "Ver", "sections": [{"rows": items}]}
    return message(
        "interactive", interactive={"type": "list", "body": {"text": "Escolha"}, "action": action}
    )


async def test_accepted_messages_get_metas_success_shape() -> None:
    graph = FakeGraphAPI()
    response = await post(graph, message("text", text={"body": "Oi", "preview_url": False}))
    assert response.status_code == 200
    body = response.json()
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": ANA, "wa_id": ANA}]
    assert body["messages"][0]["id"].startswith("wamid.")
    assert [m.id for m in graph.messages(ANA)] == [body["messages"][0]["id"]]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"to": ANA, "type": "text", "text": {"body": "Oi"}}, 400, 100),
        (message("text", text={"body": "x" * 4097}), 400, 100),
        (message("text", text={"body": ""}), 400, 100),
        (message("text"), 400, 131008),
        (message("video", video={"id": "1"}), 400, 131051),
        ({**message("text", text={"body": "Oi"}), "to": "ana"}, 400, 100),
        (buttons("Um", "Dois", "Três", "Quatro"), 400, 131009),
        (buttons("Rastrear meu pedido agora"), 400, 131009),
        (buttons("Sim", "Não", ids=["a", "a"]), 400, 131009),
        (buttons("Sim", "Sim"), 400, 131009),
        (rows(11), 400, 131009),
        (rows(2, title="Um título de linha longo demais"), 400, 131009),
        (message("template", template={"name": "ola"}), 400, 131008),
        ({"messaging_product": "whatsapp", "status": "read"}, 400, 131008),
        ("not an object", 400, 100),
    ],
)
async def test_payloads_meta_refuses_are_refused_the_same_way(
    body: Any, status: int, code: int
) -> None:
    graph = FakeGraphAPI()
    response = await post(graph, body)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert error["type"] == "OAuthException"
    assert error["message"].startswith(f"(#{code})")
    assert error["fbtrace_id"] and error["error_data"]["details"]
    assert isinstance(error_from_response(status, response.json()), InvalidParameterError)
    assert graph.sent == {}


async def test_path_number_and_token_are_checked_first() -> None:
    graph = FakeGraphAPI()
    graph.fail_next(500, 131000)
    wrong_number = await post(graph, {}, url="https://graph.facebook.com/v21.0/999/messages")
    assert wrong_number.json()["error"]["error_subcode"] == 33
    wrong_token = await post(graph, {}, token="nope")
    assert wrong_token.status_code == 401 and wrong_token.json()["error"]["code"] == 190
    scripted = await post(graph, message("text", text={"body": "Oi"}))
    assert scripted.status_code == 500


async def test_scripted_failures_run_out() -> None:
    graph = FakeGraphAPI()
    graph.fail_next(400, 130429, times=2, retry_after=1.5)
    ok = message("text", text={"body": "Oi"})
    first, second, third = [await post(graph, ok) for _ in range(3)]
    assert first.json()["error"]["message"] == "(#130429) Rate limit hit"
    assert first.headers["retry-after"] == "1.5"
    assert second.status_code == 400 and third.status_code == 200
    assert graph.requests == 3


async def test_messages_are_recorded_in_redis_for_other_processes(
    redis_client: Redis, prefix: str
) -> None:
    graph = FakeGraphAPI(redis=redis_client, prefix=prefix)
    async with WhatsAppClient(
        access_token=TOKEN, phone_number_id=NUMBER_ID, transport=graph.transport()
    ) as client:
        ids = await client.send_text(ANA, "Seu pedido saiu para entrega")
        ids += await client.send_buttons(ANA, "Mais algo?", [{"id": "n", "title": "Não"}])
    recorded = await recorded_messages(redis_client, prefix, ANA)
    assert [entry["id"] for entry in recorded] == ids
    assert recorded[0]["payload"]["text"]["body"] == "Seu pedido saiu para entrega"
    assert recorded[1]["payload"]["interactive"]["type"] == "button"


def test_recording_needs_both_client_and_prefix(redis_client: Redis) -> None:
    with pytest.raises(ValueError):
        FakeGraphAPI(redis=redis_client)


async def test_a_message_it_cannot_record_is_refused_like_metas_500_not_lost() -> None:
    unreachable = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    graph = FakeGraphAPI(redis=unreachable, prefix="atendente-test")
    try:
        response = await post(graph, message("text", text={"body": "Oi"}))
    finally:
        await unreachable.aclose()
    assert response.status_code == 500
    assert response.json()["error"]["code"] == 131000
    assert graph.sent == {}
