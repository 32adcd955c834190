from __future__ import annotations

from evals.reply_checks import acknowledges, agrees_prematurely, apologises, understood


def test_understood_is_the_absence_of_not_understanding() -> None:
    assert understood("Me passa o número do pedido?")
    assert not understood("Desculpa, não entendi muito bem 😅")


def test_acknowledging_needs_sympathy_and_the_right_problem() -> None:
    right = "Oi! Poxa, sinto muito que seu pedido veio faltando item! Me passa o número?"
    assert acknowledges(right, ["missing_item"])
    assert not acknowledges(right, ["damaged"]), "names a problem the customer does not have"
    assert acknowledges("Poxa, sinto muito pelo problema com o seu pedido!", ["damaged"])
    assert not acknowledges("Me passa o número do pedido?", ["late"])


def test_apologies() -> None:
    assert apologises("Peço desculpas pela demora.")
    assert not apologises("Vou te passar para nossa equipe.")


def test_premature_agreement() -> None:
    assert agrees_prematurely("Oi! Claro! Me passa o número do pedido?")
    assert agrees_prematurely("Pode deixar que eu cancelo pra você.")
    assert agrees_prematurely("Seu reembolso está aprovado!")
    assert not agrees_prematurely(
        "Quem analisa e aprova reembolsos é o nosso time financeiro. Vou te passar para eles."
    )
