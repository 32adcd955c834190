from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.language.normalize import (
    find_emojis,
    fold_accents,
    normalize,
    normalize_message,
    split_clauses,
)


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Cadê meu PEDIDO?", "cade meu pedido"),
        ("kd meu pedidu", "cade meu pedido"),
        ("cadeeee", "cade"),
        ("oiii", "oi"),
        ("ond ta minha encomenda", "onde esta minha encomenda"),
        ("qro falar c/ atendente", "quero falar com atendente"),
        ("qero", "quero"),
        ("kero", "quero"),
        ("vcs n mandaram nd até agr", "voces nao mandaram nada ate agora"),
        ("vc", "voce"),
        ("pq", "porque"),
        ("tbm", "tambem"),
        ("obg", "obrigado"),
        ("obgd", "obrigado"),
        ("brigado", "obrigado"),
        ("blz", "beleza"),
        ("msg", "mensagem"),
        ("hj", "hoje"),
        ("ñ", "nao"),
        ("td", "tudo"),
        ("pfv", "por favor"),
        ("pfvr", "por favor"),
        ("plmds", "por favor"),
        ("q", "que"),
        ("mto", "muito"),
        ("ped", "pedido"),
        ("pedio", "pedido"),
        ("rastreiro", "rastreio"),
        ("rastrio", "rastreio"),
        ("extorno", "estorno"),
        ("nº 1001", "numero 1001"),
        ("n 1001", "numero 1001"),
        ("  muito    espaço  ", "muito espaco"),
        ("o moletom é de algodão", "o moletom eh de algodao"),
    ],
)
def test_normalize_expands_slang_and_folds(raw: str, folded: str) -> None:
    assert normalize(raw) == folded


def test_fold_accents() -> None:
    assert fold_accents("não é ação à vista") == "nao e acao a vista"


def test_emojis_are_removed_but_kept_aside() -> None:
    message = normalize_message("obrigada 🙏❤️ 👍🏽")
    assert message.text == "obrigado"
    assert message.emojis == ("🙏", "❤", "👍")


def test_emoji_only_message_folds_to_nothing() -> None:
    assert normalize("😂😂😂") == ""
    assert find_emojis("😂😂😂") == ("😂", "😂", "😂")


def test_split_clauses_at_punctuation() -> None:
    assert split_clauses("Oi! Cadê meu pedido? E o boleto...") == [
        "oi",
        "cade meu pedido",
        "e o boleto",
    ]


@given(st.text(max_size=200))
def test_normalize_is_idempotent_and_plain(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert once == once.strip()
    assert all(char.isascii() for char in once)
