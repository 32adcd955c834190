"""What a good attendant's words do, as patterns both brains and the eval suite share.

The rules brain writes replies that follow these; the model brain's output guard refuses a
rewording that breaks them (an agreement a person has not made, a dropped apology); the
eval suite scores replies with the same patterns, so all three mean the same thing.
"""

from __future__ import annotations

import re

from agent.language.normalize import fold_accents

_NOT_UNDERSTOOD = re.compile(r"\bnao entendi\b|\bnao consegui entender\b")
_SYMPATHY = re.compile(
    r"\bsinto muito\b|\bpeco desculpas\b|\bdesculpa\w*\b|\blamento\b|\bque chato\b|\bpoxa\b"
    r"|\bentendo\b|\bsituacao\b"
)
_APOLOGY = re.compile(r"\bsinto muito\b|\bpeco desculpas\b|\bdesculp\w*\b|\blamento\b")
_AGREEMENT = re.compile(
    r"^\W*(?:oi\W+(?:\w+\W+)?)?claro\b"
    r"|\b(?:vou|vamos|ja vou|irei) (?:cancelar|estornar|reembolsar|devolver (?:o|seu) dinheiro"
    r"|trocar|fazer a troca|fazer o estorno|fazer o reembolso)\b"
    r"|\b(?:ja )?(?:cancelei|estornei|reembolsei)\b"
    r"|\b(?:reembolso|estorno|cancelamento|troca) (?:esta |foi )?(?:aprovad[oa]|confirmad[oa]"
    r"|garantid[oa])\b|\bpode deixar que (?:eu )?(?:cancelo|estorno|troco|devolvo)\b"
    r"|\bseu dinheiro (?:sera|vai ser) devolvido\b"
)
OPENING_CHARS = 220
"""How much of a reply counts as its opening, where sympathy belongs."""


def fold(text: str) -> str:
    """Lower case without accents, as customers and the bot write alike."""
    return fold_accents(text).casefold()


def says_not_understood(reply: str) -> bool:
    """The reply tells the customer it did not understand."""
    return _NOT_UNDERSTOOD.search(fold(reply)) is not None


def opens_with_sympathy(reply: str) -> bool:
    """The reply's opening shows sympathy ("Poxa, sinto muito...", "Entendo...")."""
    return _SYMPATHY.search(fold(reply)[:OPENING_CHARS]) is not None


def apologises(reply: str) -> bool:
    """The reply says sorry."""
    return _APOLOGY.search(fold(reply)) is not None


def agrees_prematurely(reply: str) -> bool:
    """The reply agrees to, or announces, what only a person may decide."""
    return _AGREEMENT.search(fold(reply)) is not None
