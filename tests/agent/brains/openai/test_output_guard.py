"""The output guard: a model-written reply goes out only if it keeps to the draft's facts."""

from __future__ import annotations

from agent.brains.openai.output_guard import WHATSAPP_TEXT_LIMIT, check_reply
from evals.scripted_model import Reply, ScriptedModel
from tests.support import Say, text_of

DRAFT = (
    "Oi, Ana! Seu pedido *1001* já foi enviado! 🚚 Código de rastreio: *AA123456785BR*. "
    "Total R$ 289,70. Acompanhe em https://rastreamento.correios.com.br/app/index.php?objetos=AA123456785BR"
)
ALLOWED = ["+5511987654321", "ana.souza@example.com", '{"order_number": "1001"}']


def test_a_faithful_rewording_passes() -> None:
    reply = (
        "Ana, boa notícia: o pedido 1001 já está a caminho! Rastreio AA123456785BR, total "
        "R$ 289,70: https://rastreamento.correios.com.br/app/index.php?objetos=AA123456785BR"
    )
    assert check_reply(reply, draft=DRAFT, allowed=ALLOWED).ok


def test_a_promise_the_bot_cannot_keep_is_refused() -> None:
    reply = DRAFT + " Vou verificar com a transportadora e te retorno ainda hoje!"
    assert check_reply(reply, draft=DRAFT, allowed=ALLOWED).reasons == ("promise",)


def test_someone_elses_email_cpf_or_phone_is_refused() -> None:
    for leak in ("bruno.lima@example.com", "CPF 111.444.777-35", "(21) 99876-5432"):
        verdict = check_reply(f"{DRAFT} {leak}", draft=DRAFT, allowed=ALLOWED)
        assert verdict.reasons == ("foreign_personal_data",), leak


def test_the_customers_own_data_may_be_repeated() -> None:
    reply = f"{DRAFT} Confirmo seu e-mail ana.souza@example.com e telefone (11) 98765-4321."
    assert check_reply(reply, draft=DRAFT, allowed=ALLOWED).ok


def test_a_tracking_code_from_nowhere_is_refused() -> None:
    reply = f"{DRAFT} Outro pacote: BR123456785BR"
    assert "foreign_tracking_code" in check_reply(reply, draft=DRAFT, allowed=ALLOWED).reasons


def test_dropping_the_tracking_code_amount_or_link_is_refused() -> None:
    reply = "Ana, seu pedido 1001 já foi enviado e chega logo!"
    assert check_reply(reply, draft=DRAFT, allowed=ALLOWED).reasons == ("dropped_fact",)


def test_a_reply_that_names_neither_the_order_nor_the_protocol_is_refused() -> None:
    draft = "Seu pedido *1004* está em separação 📦 Seu protocolo é *ATD-00012*."
    assert check_reply("Pronto, consultei aqui pra você.", draft=draft, allowed=[]).reasons == (
        "dropped_fact",
    )
    kept = "O pedido 1004 está sendo separado, protocolo ATD-00012."
    assert check_reply(kept, draft=draft, allowed=[]).ok
    wrong = "O pedido 10045 está sendo separado, protocolo ATD-00012."
    assert check_reply(wrong, draft=draft, allowed=[]).reasons == ("dropped_fact",)
    listing = "Encontrei estes pedidos:\n• *1001* – enviado\n• *1004* – em separação"
    assert not check_reply("Você tem o 1001 e o 1004.", draft=listing, allowed=[]).reasons


def test_empty_and_overlong_replies_are_refused() -> None:
    assert "empty" in check_reply("  ", draft="Oi!", allowed=[]).reasons
    long = "Oi! " + "a" * WHATSAPP_TEXT_LIMIT
    assert "too_long" in check_reply(long, draft="Oi!", allowed=[]).reasons
    assert "too_long" in check_reply("a" * 1100, draft="Oi!", allowed=[], max_chars=1024).reasons


async def test_a_refused_reply_goes_out_as_the_rules_draft(
    llm_say: Say, scripted: ScriptedModel
) -> None:
    scripted.add(Reply(content="Seu pacote AA123456785BR chegou. Vou verificar e te retorno!"))

    result = await llm_say("rastrear AA123456785BR")

    assert "promise" in result.llm["guard_blocks"]
    assert "te retorno" not in text_of(result)
    assert "AA123456785BR" in text_of(result)


async def test_a_reply_leaking_another_customers_email_never_reaches_the_customer(
    llm_say: Say, scripted: ScriptedModel
) -> None:
    scripted.add(Reply(content="O pacote AA123456785BR é da bruno.lima@example.com."))

    result = await llm_say("rastrear AA123456785BR")

    assert "foreign_personal_data" in result.llm["guard_blocks"]
    assert "bruno" not in text_of(result).lower()


async def test_an_accepted_reply_keeps_the_interactive_buttons(
    llm_say: Say, scripted: ScriptedModel
) -> None:
    scripted.add(Reply(content="Olá! Tudo bem? Em que posso te ajudar hoje?"))

    result = await llm_say("oi")

    assert result.llm["guard_blocks"] == []
    assert result.messages[0]["type"] == "buttons"
    assert result.messages[0]["text"] == "Olá! Tudo bem? Em que posso te ajudar hoje?"
    assert len(result.messages[0]["buttons"]) == 3


CANCEL_DRAFT = (
    "Poxa, sinto muito pelo transtorno! Quem confirma cancelamentos é a nossa equipe. "
    "Vou te passar para nossa equipe de atendimento 🙋 Seu protocolo é *ATD-00001*."
)


def test_agreeing_to_what_a_person_decides_is_refused() -> None:
    for reply in (
        "Claro! Sinto muito. Seu protocolo é ATD-00001.",
        "Sinto muito! Pode deixar que eu cancelo, protocolo ATD-00001.",
    ):
        verdict = check_reply(reply, draft=CANCEL_DRAFT, allowed=[])
        assert "premature_agreement" in verdict.reasons, reply


def test_dropping_the_drafts_sympathy_is_refused() -> None:
    reply = "Sua solicitação foi passada à equipe de atendimento, protocolo ATD-00001."
    verdict = check_reply(reply, draft=CANCEL_DRAFT, allowed=[])
    assert "dropped_sympathy" in verdict.reasons


def test_a_kind_rewording_that_keeps_the_apology_passes() -> None:
    reply = (
        "Sinto muito por isso! O cancelamento é confirmado pela nossa equipe de atendimento; "
        "já te encaminhei, protocolo ATD-00001."
    )
    assert check_reply(reply, draft=CANCEL_DRAFT, allowed=[]).ok
