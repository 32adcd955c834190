"""What a good attendant's first reply to a complaint does, as checks on the reply's text.

The same four checks score the eval dialogues (`reply: {acknowledges: true, ...}`) and the
whole real test split (`atendente eval replies`):

- understood: the customer is not told "não entendi" about a clear request or complaint;
- acknowledges: a reported problem is met with sympathy before anything is asked, and the
  reply never names a different problem than the one the customer has;
- apologises: an upset customer gets an apology;
- no premature agreement: a refund, cancellation or exchange is never agreed to ("Claro!",
  "vou estornar") before a person decides.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from tools.problems import PROBLEMS, ProblemType

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


def fold(text: str) -> str:
    """Lower case without accents, as customers and the bot write alike."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def understood(reply: str) -> bool:
    """The reply does not say it did not understand."""
    return _NOT_UNDERSTOOD.search(fold(reply)) is None


def named_problems(reply: str) -> set[ProblemType]:
    """The problems whose specific acknowledgement the reply uses."""
    return {
        problem
        for problem, spec in PROBLEMS.items()
        if any(line in reply for line in spec.acknowledgements)
    }


def acknowledges(reply: str, problems: Iterable[ProblemType]) -> bool:
    """Sympathy in the reply's opening, and no acknowledgement of a problem not reported."""
    opening = fold(reply)[:220]
    wrong = named_problems(reply) - set(problems)
    return _SYMPATHY.search(opening) is not None and not wrong


def apologises(reply: str) -> bool:
    """The reply says sorry."""
    return _APOLOGY.search(fold(reply)) is not None


def agrees_prematurely(reply: str) -> bool:
    """The reply agrees to, or announces, what only a person may decide."""
    return _AGREEMENT.search(fold(reply)) is not None
