"""The lexicon's problem cues fire on what they name and not on the same words elsewhere."""

from __future__ import annotations

import pytest

from agent.language.problems import problems_in
from tools.problems import ProblemType


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no app diz que foi entregue mas eu não recebi nada", "delivered_not_received"),
        ("o rastreio mostra entregue e aqui não chegou nada", "delivered_not_received"),
        ("não recebi e lá consta que recebi, como assim", "delivered_not_received"),
        ("entrega concluída, só que não foi", "delivered_not_received"),
        ("meu pedido tá atrasado", "late"),
        ("até agora não chegou meu pedido", "late"),
        ("ainda não recebi minha encomenda", "late"),
        ("vou entrar na justiça se não resolverem", "legal_threat"),
        ("vou processar vocês", "legal_threat"),
        ("já liguei várias vezes e nada", "no_response"),
        ("é a terceira vez que eu pergunto isso", "no_response"),
        ("o tênis que chegou é fake", "counterfeit"),
        ("recebi uma réplica, não é original", "counterfeit"),
    ],
)
def test_a_cue_names_its_problem(text: str, expected: ProblemType) -> None:
    assert problems_in(text)[:1] == [expected]


@pytest.mark.parametrize(
    ("text", "not_this"),
    [
        ("cancelei e até agora não recebi o reembolso", "late"),
        ("ainda não recebi o código de rastreio", "late"),
        ("não recebi nenhuma resposta de vocês", "late"),
        ("meu pedido tá processando faz dias", "legal_threat"),
        ("tentei várias vezes pagar e o cartão não passa", "no_response"),
        ("caí num site fake com o nome da loja", "counterfeit"),
        ("perguntei se era réplica ou original antes de comprar", "counterfeit"),
        (
            "disseram que eu recebi e-mail com as instruções e não recebi nada",
            "delivered_not_received",
        ),
        ("consta como entregue à transportadora e ainda não chegou", "delivered_not_received"),
    ],
)
def test_a_cue_stays_quiet_on_the_same_words_meaning_something_else(
    text: str, not_this: ProblemType
) -> None:
    assert not_this not in problems_in(text)
