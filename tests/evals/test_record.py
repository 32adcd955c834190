"""`eval record`: exported and Redis conversations become loadable, masked dialogue files."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from redis.asyncio import Redis
from typer.testing import CliRunner

from agent.context import Context
from agent.graph import build_graph
from agent.state import Inbound
from agent.turn import run_turn
from cli import app
from cli.eval_record import read_conversations, recent_thread_ids
from composition.settings import Settings, get_settings
from composition.wiring import build_saver, open_context
from evals.dialogue import load_dialogues
from evals.record import (
    Conversation,
    RecordedTurn,
    RecordError,
    conversations_from_export,
    render_dialogues,
)
from integrations.redis.saver import RedisSaver
from tests.support import ANA, OFFICE_HOURS
from tools.departments import InMemoryTicketStore

DAY = date(2026, 12, 3)
STRANGER_PHONE = "+5548999887766"

EXPORT: dict[str, Any] = {
    "conversations": [
        {
            "id": "whatever-the-exporter-uses",
            "customer": {"phone": ANA, "name": "Ana Souza"},
            "messages": [
                {"role": "customer", "text": "oi"},
                {
                    "role": "customer",
                    "text": "aqui é a Ana, cadê o 1001?",
                    "intent": "order_status",
                },
                {"role": "bot", "text": "Oi, Ana! Me confirma o e-mail da compra?"},
                {"role": "customer", "text": "ana.souza@gmail.com, cpf 529.982.247-25"},
                {"role": "bot", "text": "Saiu para entrega (AA123456785BR), Rua Harmonia, 412."},
                {"role": "customer", "text": "quero falar com alguém, meu cel (11) 98765-4321"},
                {"role": "bot", "text": "Vou te passar para o atendimento."},
                {"role": "customer", "text": "alô?"},
                {"role": "customer", "text": "tem alguém aí?"},
            ],
            "handoff": {"department": "atendimento"},
        },
        {
            "messages": [
                {"role": "bot", "text": "Olá! (a notice before the customer wrote)"},
                {"role": "customer", "text": "qual o horário de vocês?"},
                {"role": "bot", "text": "De segunda a sexta, das 9h às 18h."},
            ]
        },
    ]
}
ORIGINAL_PII = [
    "5511987654321",
    "11987654321",
    "98765-4321",
    "ana.souza",
    "529.982.247-25",
    "52998224725",
    "Harmonia",
    "Ana",
]


def assert_masked(text: str, originals: list[str]) -> None:
    for original in originals:
        assert original.casefold() not in text.casefold(), f"{original!r} survived masking"


def write(tmp_path: Path, text: str, name: str = "recorded.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# From an export file -----------------------------------------------------------------------


def test_export_turns_group_bursts_and_place_the_handoff() -> None:
    first, second = conversations_from_export(EXPORT)

    assert [turn.messages for turn in first.turns] == [
        ("oi", "aqui é a Ana, cadê o 1001?"),
        ("ana.souza@gmail.com, cpf 529.982.247-25",),
        ("quero falar com alguém, meu cel (11) 98765-4321",),
        ("alô?", "tem alguém aí?"),
    ]
    assert [turn.intent for turn in first.turns] == ["order_status", None, None, None]
    assert [turn.handoff for turn in first.turns] == [None, None, "atendimento", None]
    assert first.turns[3].replies == ()
    assert (first.phone, first.names) == (ANA, ("Ana Souza",))
    assert [turn.messages for turn in second.turns] == [("qual o horário de vocês?",)]


def test_the_rendered_file_loads_masks_everything_and_keeps_the_replies_as_comments(
    tmp_path: Path,
) -> None:
    recorded = render_dialogues(
        conversations_from_export(EXPORT), prefix="recorded-test", source="a test", day=DAY
    )
    first, second = load_dialogues(write(tmp_path, recorded.text))

    assert_masked(recorded.text, ORIGINAL_PII)
    assert (first.id, second.id) == ("recorded-test-001", "recorded-test-002")
    assert first.customer.phone == "+5511900000001"
    assert second.customer.phone == "+5511900000002", "a stand-in phone of its own"
    assert first.turns[0].say == ("oi", "aqui é a Nome1, cadê o 1001?")
    assert first.turns[0].expect.intent == ("order_status",)
    assert first.turns[1].say == "cliente1@example.com, cpf 000.000.001-91"
    assert first.turns[2].say == "quero falar com alguém, meu cel +5511900000001"
    assert first.turns[2].expect.handoff == "atendimento"
    assert first.turns[3].expect.reply is not None and first.turns[3].expect.reply.silent
    assert "        # bot: Oi, Nome1! Me confirma o e-mail da compra?" in recorded.text
    assert "        # bot: Saiu para entrega (AA123456785BR), Rua Exemplo 1." in recorded.text
    assert "        # bot: (silent)" in recorded.text
    assert recorded.text.startswith("# Recorded by `atendente eval record` on 2026-12-03")
    assert "what the bot DID" in recorded.text
    assert dict(recorded.masked) == {"phone": 2, "name": 1, "email": 1, "cpf": 1, "address": 1}


def test_the_admin_ticket_shape_is_accepted_one_turn_per_customer_message() -> None:
    ticket = {
        "ticket": {"id": "ATD-00007", "department": "financeiro", "wa_id": "5511987654321"},
        "conversation": [
            {"from": "customer", "text": "paguei e não confirmou"},
            {"from": "bot", "text": "Vou passar para o financeiro."},
            {"from": "customer", "text": "ok"},
            {"from": "customer", "text": "alguém?"},
        ],
    }

    for data in (ticket, [ticket], {"conversations": [ticket]}):
        (conversation,) = conversations_from_export(data)
        assert [t.messages for t in conversation.turns] == [
            ("paguei e não confirmou",),
            ("ok",),
            ("alguém?",),
        ]
        assert [t.handoff for t in conversation.turns] == ["financeiro", None, None]
        assert conversation.sender_id == "5511987654321"

    recorded = render_dialogues(conversations_from_export(ticket), prefix="t", source="x", day=DAY)
    dialogue = yaml.safe_load(recorded.text)["dialogues"][0]
    assert dialogue["customer"] == {"phone": "+5511900000001"}
    assert [t.get("expect") for t in dialogue["turns"]] == [
        {"handoff": "financeiro"},
        {"reply": {"silent": True}},
        {"reply": {"silent": True}},
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"threads": []}, "expected {'conversations': [...]}"),
        ({"conversations": [{"messages": []}]}, "conversation #1: messages"),
        (
            {"conversations": [{"messages": [{"role": "agent", "text": "x"}]}]},
            "messages.0.role: Input should be 'customer' or 'bot'",
        ),
        ({"conversations": [{"messages": [{"role": "bot", "text": "hi"}]}]}, "no customer"),
    ],
)
def test_malformed_exports_raise_one_clear_error(data: Any, message: str) -> None:
    with pytest.raises(RecordError, match=re.escape(message)):
        conversations_from_export(data)


def test_render_refuses_a_bad_prefix_and_nothing_to_record() -> None:
    conversation = Conversation(turns=(RecordedTurn(("oi",)),), phone=ANA)
    with pytest.raises(RecordError, match="kebab-case"):
        render_dialogues([conversation], prefix="Not Kebab", source="x", day=DAY)
    with pytest.raises(RecordError, match="no conversation"):
        render_dialogues([], prefix="ok", source="x", day=DAY)


def test_tool_calls_are_kept_with_masked_arguments_and_unknown_tools_dropped(
    tmp_path: Path,
) -> None:
    turn = RecordedTurn(
        ("meu cpf 52998224725, pedido 1001",),
        ("Achei!",),
        "provide_info",
        tools=(
            {"name": "get_order", "args": {"order_number": 1001, "cpf": "52998224725"}},
            {"name": "retired_tool", "args": {}},
            {"name": "track_order", "args": {"order_number": "1001", "extra": {"a": 1}}},
        ),
    )
    recorded = render_dialogues(
        [Conversation(turns=(turn,), phone=ANA)], prefix="tools", source="x", day=DAY
    )

    (dialogue,) = load_dialogues(write(tmp_path, recorded.text))
    tools = dialogue.turns[0].expect.tools
    assert tools is not None and tools.match == "superset"
    assert [(call.name, call.args) for call in tools.calls] == [
        ("get_order", {"order_number": "1001", "cpf": "00000000191"}),
        ("track_order", {"order_number": "1001", "extra": "*"}),
    ]
    assert_masked(recorded.text, ["52998224725"])


# From Redis, through the real graph ------------------------------------------------------------


async def converse(saver: RedisSaver, context: Context, phone: str, texts: list[str]) -> None:
    graph = build_graph(saver)
    for text in texts:
        await run_turn(graph, context, Inbound(sender_id=phone.lstrip("+"), phone=phone, text=text))


ANA_SCRIPT = ["oi", "cadê meu pedido 1001?", "quero falar com um atendente", "alô?"]
STRANGER_SCRIPT = ["cadê meu pedido 1002?", "meu cpf é 318.476.095-20"]
REDIS_PII = [
    "5511987654321",
    "98765-4321",
    "5548999887766",
    "99887-7766",
    "318.476.095-20",
    "31847609520",
    "Bruno",
    "Ana",
]


@pytest.fixture
def saver(redis_client: Redis, prefix: str) -> RedisSaver:
    return build_saver(
        redis_client, Settings(_env_file=None).model_copy(update={"redis_prefix": prefix})
    )


async def test_threads_recorded_from_redis_load_and_carry_no_pii(
    saver: RedisSaver, context: Context, tmp_path: Path
) -> None:
    await converse(saver, context, ANA, ANA_SCRIPT)
    await converse(saver, context, STRANGER_PHONE, STRANGER_SCRIPT)

    assert await recent_thread_ids(saver, None) == ["5548999887766", ANA.lstrip("+")]
    assert await recent_thread_ids(saver, 1) == ["5548999887766"]
    conversations, empty = await read_conversations(saver, [ANA.lstrip("+"), "5500000000000"])
    assert empty == 1
    (ana,) = conversations
    assert [turn.messages for turn in ana.turns] == [(text,) for text in ANA_SCRIPT]
    assert ana.turns[1].tools[0] == {"name": "get_order", "args": {"order_number": "1001"}}
    assert [turn.handoff for turn in ana.turns] == [None, None, "atendimento", None]
    assert ana.turns[2].intent == "human_agent", "the second newest checkpoint gives its intent"
    assert ana.turns[3].replies[0].startswith("Recebi sua mensagem")
    assert "Ana Souza" in ana.names or "Ana" in ana.names

    both, _ = await read_conversations(saver, await recent_thread_ids(saver, None))
    recorded = render_dialogues(both, prefix="redis", source="Redis checkpoints", day=DAY)
    stranger, ana_dialogue = load_dialogues(write(tmp_path, recorded.text))

    assert_masked(recorded.text, REDIS_PII)
    assert stranger.customer.phone == "+5511900000001"
    assert stranger.turns[1].say == "meu cpf é 000.000.001-91"
    assert ana_dialogue.customer.phone == "+5511900000002"
    assert ana_dialogue.turns[2].expect.handoff == "atendimento"
    # The bot acknowledged the first message after the handoff, so it is not silent.
    assert ana_dialogue.turns[3].expect.reply is None


async def populate(redis_url: str, prefix: str) -> None:
    """Ana's conversation in Redis, on a client and loop of its own (the CLI runs its own)."""
    settings = Settings(_env_file=None).model_copy(update={"redis_prefix": prefix})
    client = Redis.from_url(redis_url)
    try:
        async with open_context(settings, tickets=InMemoryTicketStore()) as opened:
            context = replace(opened, clock=lambda: OFFICE_HOURS)
            await converse(build_saver(client, settings), context, ANA, ANA_SCRIPT)
    finally:
        await client.aclose()


async def forget(redis_url: str, prefix: str) -> None:
    client = Redis.from_url(redis_url)
    keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture
def ana_in_redis(redis_url: str, prefix: str) -> Iterator[None]:
    asyncio.run(populate(redis_url, prefix))
    yield
    asyncio.run(forget(redis_url, prefix))


@pytest.mark.usefixtures("ana_in_redis")
def test_cli_records_redis_threads_and_eval_run_plays_them(
    redis_url: str, prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATENDENTE_REDIS_PREFIX", prefix)
    get_settings.cache_clear()
    out = tmp_path / "recorded.yaml"
    runner = CliRunner()
    try:
        result = runner.invoke(
            app,
            ["eval", "record", "--redis-url", redis_url, "--thread", ANA, "--out", str(out)],
        )
        again = runner.invoke(
            app,
            ["eval", "record", "--redis-url", redis_url, "--all", "--out", str(out)],
        )
        forced = runner.invoke(
            app,
            ["eval", "record", "--redis-url", redis_url, "--limit", "5", "--out", str(out)]
            + ["--force", "--prefix", "prod-sample"],
        )
    finally:
        get_settings.cache_clear()

    assert result.exit_code == 0, result.output
    assert "recorded 1 dialogue(s), 4 turn(s)" in result.output
    assert_masked(result.output + forced.output, REDIS_PII + ["5511900000001"])
    assert again.exit_code == 2 and "--force" in again.output
    assert forced.exit_code == 0, forced.output
    (dialogue,) = load_dialogues(out)
    assert dialogue.id == "prod-sample-001"
    assert_masked(out.read_text(encoding="utf-8"), REDIS_PII)
    assert [order["number"] for order in dialogue.store.orders] == [1001]
    assert dialogue.store.orders[0]["contact_phone"] == dialogue.customer.phone
    assert dialogue.clock is not None

    thresholds = tmp_path / "none.toml"
    thresholds.write_text("", encoding="utf-8")
    report_dir = tmp_path / "report"
    played = runner.invoke(
        app,
        ["eval", "run", "--dataset", str(out), "--out", str(report_dir)]
        + ["--thresholds", str(thresholds)],
    )
    assert played.exit_code == 0, played.output
    report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    assert [d["id"] for d in report["dialogues"]] == ["prod-sample-001"]
    assert len(report["dialogues"][0]["runs"][0]["turns"]) == 4
    assert report["summary"]["pass_hat_k"] == {"1": 1.0}, "it replays on its own orders"


def test_cli_from_json_and_its_usage_errors(tmp_path: Path) -> None:
    export = tmp_path / "export.json"
    export.write_text(json.dumps(EXPORT), encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text("{nope", encoding="utf-8")
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, ["eval", "record", *args])

    ok = invoke("--from-json", str(export), "--out", str(tmp_path / "a.yaml"))
    assert ok.exit_code == 0, ok.output
    assert len(load_dialogues(tmp_path / "a.yaml")) == 2
    assert_masked(ok.output, ORIGINAL_PII)

    usage = [
        invoke("--out", str(tmp_path / "b.yaml")),
        invoke("--from-json", str(export), "--all", "--out", str(tmp_path / "b.yaml")),
        invoke("--thread", "1", "--all", "--out", str(tmp_path / "b.yaml")),
        invoke("--from-json", str(export), "--out", str(tmp_path / "b.json")),
        invoke("--from-json", str(broken), "--out", str(tmp_path / "b.yaml")),
        invoke("--from-json", str(tmp_path / "none.json"), "--out", str(tmp_path / "b.yaml")),
    ]
    assert [r.exit_code for r in usage] == [2] * len(usage)
    assert "Traceback" not in "".join(r.output for r in usage)
    assert not (tmp_path / "b.yaml").exists()
