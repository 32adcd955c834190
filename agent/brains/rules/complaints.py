"""Spotting a customer who contradicts the records: a package never arrived, a payment made.

"Consta entregue mas não recebi" turns a delivered package into a delivery problem for
`logistica`, and "já paguei" on an unpaid order into a payment problem for `financeiro`,
so the planner needs to know before it calls the tools.
"""

from __future__ import annotations

import re

from agent.language.normalize import normalize

_NOT_RECEIVED = re.compile(
    r"\b(nao|nunca|ainda nao)\s+(recebi|recebemos|chegou|chegaram|veio|vieram|entregaram|"
    r"foi entregue|me entregaram)\b"
    r"(?!\s+(o |a |os |as )?(codigo|email|e-mail|boleto|link|rastreio|resposta|mensagem|pix))"
    r"|\bnao (tem|tinha) nada\b.*\b(entreg|porta|caixa)"
    r"|\bninguem (me )?entregou\b"
)


_PAID = re.compile(
    r"\b(?:ja )?(?:paguei|pagamos|transferi|fiz o pix|fiz o pagamento)\b"
    r"|\bsegue (?:o )?comprovante\b|\bcomprovante (?:do|de|da) (?:pix|pagamento|boleto)\b"
    r"|\b(?:ja )?(?:esta|ta|foi) pag[oa]\b"
    r"|\bcobrad[oa]s? (?:duas vezes|2 vezes|em dobro)\b|\b(?:duas|2) cobrancas\b"
)


def says_paid(text: str) -> bool:
    """True when the message says the customer already paid (or paid twice)."""
    return bool(_PAID.search(normalize(text)))


def says_not_received(text: str) -> bool:
    """True when the message says the order did not arrive."""
    return bool(_NOT_RECEIVED.search(normalize(text)))
