"""What a good attendant's first reply to a complaint does, as checks on the reply's text.

The same four checks score the eval dialogues (`reply: {acknowledges: true, ...}`) and the
whole real test split (`atendente eval replies`), with the patterns the model brain's
output guard enforces (`agent.attendant`):

- understood: the customer is not told "não entendi" about a clear request or complaint;
- acknowledges: a reported problem is met with sympathy before anything is asked, and the
  reply never names a different problem than the one the customer has;
- apologises: an upset customer gets an apology;
- no premature agreement: a refund, cancellation or exchange is never agreed to ("Claro!",
  "vou estornar") before a person decides.
"""

from __future__ import annotations

from collections.abc import Iterable

from agent import attendant
from agent.attendant import agrees_prematurely, apologises
from agent.store_voice.templates import default_templates
from tools.problems import PROBLEM_TYPES, ProblemType

__all__ = ["acknowledges", "agrees_prematurely", "apologises", "named_problems", "understood"]


def understood(reply: str) -> bool:
    """The reply does not say it did not understand."""
    return not attendant.says_not_understood(reply)


def named_problems(reply: str) -> set[ProblemType]:
    """The problems whose specific acknowledgement (in the shipped templates) the reply uses."""
    templates = default_templates()
    return {
        problem
        for problem in PROBLEM_TYPES
        if any(line in reply for line in templates.variants(f"problems.{problem}.named"))
    }


def acknowledges(reply: str, problems: Iterable[ProblemType]) -> bool:
    """Sympathy in the reply's opening, and no acknowledgement of a problem not reported."""
    wrong = named_problems(reply) - set(problems)
    return attendant.opens_with_sympathy(reply) and not wrong
