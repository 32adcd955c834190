"""Spotting a customer who says the package never arrived.

"Consta entregue mas não recebi" turns a delivered package into a delivery problem for
`logistica`, so the planner needs to know it before it tracks the order.
"""

from __future__ import annotations

import re

from agent.brains.rules.normalize import normalize

_NOT_RECEIVED = re.compile(
    r"\b(nao|nunca|ainda nao)\s+(recebi|recebemos|chegou|chegaram|veio|vieram|entregaram|"
    r"foi entregue|me entregaram)\b"
    r"(?!\s+(o |a |os |as )?(codigo|email|e-mail|boleto|link|rastreio|resposta|mensagem|pix))"
    r"|\bnao (tem|tinha) nada\b.*\b(entreg|porta|caixa)"
    r"|\bninguem (me )?entregou\b"
)


def says_not_received(text: str) -> bool:
    """True when the message says the order did not arrive."""
    return bool(_NOT_RECEIVED.search(normalize(text)))
