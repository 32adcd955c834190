"""The store's own voice: the shipped templates, a store's override, a broken one, the tone."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from agent.context import Context
from agent.graph import build_graph
from agent.intents import ORDER_INTENTS
from agent.nodes.guard import MEDIA_PLACEHOLDERS
from agent.state import Inbound
from agent.store_voice.templates import (
    DEFAULT_FILE,
    TemplatesError,
    default_templates,
    load_templates,
    placeholders,
)
from agent.store_voice.tone import Tone, without_emoji
from agent.turn import run_turn
from composition.settings import Settings
from composition.wiring import open_context
from evals.scripted_model import ScriptedModel
from tests.support import ANA, CARLA, OFFICE_HOURS, Say, text_of
from tools.departments import InMemoryTicketStore
from tools.handoff_reasons import HandoffReason
from tools.problems import PROBLEM_TYPES

AGENT = Path(__file__).resolve().parents[2] / "agent"
SHIPPED = AGENT / "store_voice" / DEFAULT_FILE
_LITERAL_KEY = re.compile(r"""\.(?:text|pick|variants)\(\s*"([a-z_.]+)\"""")


def test_the_shipped_file_passes_the_checks_a_store_file_gets() -> None:
    shipped = load_templates(SHIPPED)
    assert shipped.keys() == default_templates().keys()
    for key in default_templates().keys():
        variants = default_templates().variants(key)
        assert len({placeholders(v) for v in variants}) == 1, key


def test_every_problem_reason_intent_and_media_kind_has_its_sentences() -> None:
    keys = default_templates().keys()
    for problem in PROBLEM_TYPES:
        assert {f"problems.{problem}.named", f"problems.{problem}.likely"} <= keys
        assert len(default_templates().variants(f"problems.{problem}.named")) >= 2
    assert {f"handoff.intro.{reason.value}" for reason in HandoffReason} <= keys
    assert {f"identity.purpose.{intent}" for intent in ORDER_INTENTS} <= keys
    assert {f"media.{kind}" for kind in MEDIA_PLACEHOLDERS} <= keys


def test_every_key_the_code_names_is_shipped() -> None:
    named = {
        key
        for path in AGENT.rglob("*.py")
        for key in _LITERAL_KEY.findall(path.read_text(encoding="utf-8"))
    }
    assert len(named) > 60
    assert named - default_templates().keys() == set()


def store_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "minha-loja.toml"
    path.write_text(text, encoding="utf-8")
    return path


OVERRIDE = """
[greeting]
first = "{hello} Aqui é a {store_name}, que bom te ver por aqui! Em que posso ajudar?"

[handoff]
passing = "Já chamei {department}, e o seu protocolo é *{ticket}*."

[problems.damaged]
named = ["Que pena que o produto chegou danificado!"]
"""


async def test_a_store_override_changes_only_its_own_sentences(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, reply_templates=store_file(tmp_path, OVERRIDE))
    graph = build_graph(InMemorySaver())
    async with open_context(settings, tickets=InMemoryTicketStore()) as opened:
        context: Context = replace(opened, clock=lambda: OFFICE_HOURS)

        async def say(text: str, phone: str) -> str:
            inbound = Inbound(sender_id=phone.lstrip("+"), phone=phone, text=text)
            return text_of(await run_turn(graph, context, inbound))

        hello = await say("oi", ANA)
        defect = await say("o cinto do pedido 1005 chegou todo riscado, com defeito", CARLA)
    assert hello == "Oi! Aqui é a Loja Aurora, que bom te ver por aqui! Em que posso ajudar?"
    assert defect.startswith("Oi! Que pena que o produto chegou danificado!")
    assert "Já chamei nosso time de trocas e devoluções, e o seu protocolo é *ATD-00001*." in defect
    assert "Quem analisa trocas e devoluções é o nosso time de trocas." in defect  # not overridden


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[greting]\nfirst = "Oi"', "greting.first: unknown key (did you mean greeting.first?)"),
        (
            '[handoff]\npassing = "Vou te passar para {department}."',
            "handoff.passing: placeholder {ticket} is missing",
        ),
        (
            '[identity]\nask_proof = "O pedido *{order}* é seu, {nome}?"',
            "identity.ask_proof: unknown placeholder {nome} (this sentence takes {order})",
        ),
        ('[fallback]\nempty = ["Oi!", "Olá!"]', "fallback.empty: takes one sentence, not a list"),
        ("[opening]\napologies = []", "opening.apologies: needs at least one sentence"),
        ("[answers]\nthanks = 3", "answers.thanks: must be text"),
        ('[answers]\nthanks = "De nada {"', "answers.thanks: Single '{' encountered"),
        ('[answers]\nthanks = ""', "answers.thanks: is empty"),
        (
            '[menu]\nhuman_agent = "Quero falar com uma pessoa"',
            "menu.human_agent: is a button title longer than WhatsApp's 20 characters",
        ),
        (
            '[knowledge]\nperson_button = "Quero falar com uma pessoa"',
            "knowledge.person_button: is a button title longer than WhatsApp's 20 characters",
        ),
        (
            '[handoff.intro]\nrefund = "Claro! Vou estornar o valor pra você."',
            "handoff.intro.refund: agrees to a refund, cancellation or exchange",
        ),
        ("[greeting\n", "not valid TOML"),
    ],
)
def test_a_broken_store_file_is_one_line_naming_the_file_the_key_and_the_fault(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = store_file(tmp_path, text)
    with pytest.raises(TemplatesError) as raised:
        load_templates(path)
    (line,) = str(raised.value).splitlines()
    assert line.startswith(f"{path}: ")
    assert problem in line


def test_every_fault_of_a_file_is_named_at_once_and_a_missing_file_too(tmp_path: Path) -> None:
    path = store_file(tmp_path, '[greeting]\nfirst = "Oi"\nagain = "{oi}"\n[nada]\nx = "y"')
    with pytest.raises(TemplatesError) as raised:
        load_templates(path)
    assert str(raised.value).splitlines() == [
        f"{path}: greeting.first: placeholder {{hello}} is missing",
        f"{path}: greeting.first: placeholder {{store_name}} is missing",
        f"{path}: greeting.again: placeholder {{hello}} is missing",
        f"{path}: greeting.again: unknown placeholder {{oi}} (this sentence takes {{hello}})",
        f"{path}: nada.x: unknown key",
    ]
    with pytest.raises(TemplatesError, match="no such file"):
        load_templates(tmp_path / "missing.toml")


def test_literal_braces_are_written_doubled() -> None:
    assert placeholders("Use o cupom {{BEMVINDO}} no {site}") == {"site"}


def test_without_emoji_leaves_the_words_and_the_lines() -> None:
    text = "Oi! 👋 Aqui é a loja.\n⚠️ O rastreio parou.\n📍 Última atualização: 12/03 ✅"
    assert without_emoji(text) == "Oi! Aqui é a loja.\nO rastreio parou.\nÚltima atualização: 12/03"
    assert Tone(emoji=True).apply(text) == text


async def test_a_store_without_emoji_gets_none_from_the_rules_brain() -> None:
    settings = Settings(_env_file=None, tone_emoji=False)
    graph = build_graph(InMemorySaver())
    async with open_context(settings, tickets=InMemoryTicketStore()) as opened:
        context = replace(opened, clock=lambda: OFFICE_HOURS)
        inbound = Inbound(sender_id=ANA.lstrip("+"), phone=ANA, text="cadê meu pedido 1001?")
        reply = text_of(await run_turn(graph, context, inbound))
    assert "AA123456785BR" in reply
    assert reply == without_emoji(reply) and "🚚" not in reply


def test_the_tone_as_the_model_reads_it() -> None:
    prompt = Tone(speaker="a_gente", formality="formal", emoji=False).prompt()
    assert '"a gente"' in prompt and '"Olá"' in prompt and "No emoji at all." in prompt
    assert "At most one emoji." in Tone().prompt() and '"eu"' in Tone().prompt()


@pytest.mark.parametrize(
    "llm_context", [{"tone_speaker": "a_gente", "tone_formality": "formal"}], indirect=True
)
async def test_the_models_reply_prompt_carries_the_stores_tone(
    llm_say: Say, scripted: ScriptedModel
) -> None:
    await llm_say("cadê meu pedido 1001?")
    systems = [
        message["content"]
        for body in scripted.requests
        for message in body["messages"]
        if message["role"] == "system" and "Draft:" in message["content"]
    ]
    assert systems and all(Tone("a_gente", "formal").prompt() in text for text in systems)
