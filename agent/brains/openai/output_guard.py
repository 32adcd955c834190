"""Check a model-written reply before any customer reads it.

The model rewrites a draft that the rules built from verified data; the guard makes sure
the rewrite kept the draft's facts (product names included), stated no price and named no
product that the draft and the tool results do not hold, added no personal data the
customer does not own, made no promise the bot cannot keep, agreed to nothing a person
must decide, kept the draft's sympathy for the customer's problem, and fits WhatsApp.
Anything else goes out as the draft.
This lives in code, not in the prompt, because a prompt can be talked out of its rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from agent.attendant import agrees_prematurely, fold, opens_with_sympathy, says_not_understood

WHATSAPP_TEXT_LIMIT = 4096
"""Meta's limit for the body of one text message."""

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CPF = re.compile(r"(?<![\d.])\d{3}\.?\d{3}\.?\d{3}-?\d{2}(?![\d])")
_PHONE = re.compile(r"(?<!\w)(?:\+?55\s?)?\(?\d{2}\)?\s?9?\d{4}[-\s]?\d{4}(?!\d)")
_CEP = re.compile(r"(?<!\d)\d{5}-?\d{3}(?!\d)")
_S10 = re.compile(r"\b[A-Z]{2}\d{9}[A-Z]{2}\b")
_URL = re.compile(r"https?://\S+")
_MONEY = re.compile(r"R\$\s?([\d.]+,\d{2})")
_ORDER_REF = re.compile(r"\bpedidos? \*?#?(\d{3,9})\b|^• \*(\d{3,9})\*", re.MULTILINE)
_PROTOCOL = re.compile(r"\bATD-\d+\b")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+?)\*(?![\w*])")
_JSON_AMOUNT = re.compile(r"(?<![\d.])(\d+\.\d{2})(?![\d])")

_PROMISES = tuple(
    re.compile(pattern)
    for pattern in (
        r"\bvou (verificar|checar|ver|confirmar|consultar|olhar)\b.{0,40}\b(retorno|aviso|volto)",
        r"\b(te|lhe) (retorno|aviso|chamo|mando)\b",
        r"\bretorno (em breve|assim que|logo)",
        r"\bassim que (eu )?(souber|tiver|conseguir)",
        r"\b(garanto|prometo|pode ficar tranquil[oa] que)\b",
        r"\bvou (resolver|providenciar|agilizar)\b",
    )
)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a reply may go out, and every reason it may not."""

    reasons: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when nothing stops the reply."""
        return not self.reasons


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _personal_values(text: str) -> set[str]:
    """E-mails, CPFs, phones and CEPs in `text`, canonicalised for comparison."""
    found = {m.lower() for m in _EMAIL.findall(text)}
    without_emails = _EMAIL.sub(" ", text)
    for pattern in (_CPF, _PHONE, _CEP):
        found.update(_digits(m.group()) for m in pattern.finditer(without_emails))
    return found


def _known_values(sources: Iterable[str]) -> set[str]:
    """Every personal value the sources mention, plus their digit runs, for lenient matching."""
    known: set[str] = set()
    for source in sources:
        known |= _personal_values(source)
        known.update(_digits(m) for m in re.findall(r"\d[\d\s().+-]{6,}\d", source))
        known.update(m.lower() for m in _EMAIL.findall(source))
    return known


def _is_known(value: str, known: set[str]) -> bool:
    if value in known:
        return True
    # A phone written without its country code is still the same phone.
    return value.isdigit() and any(k.endswith(value) and len(value) >= 8 for k in known)


def _facts(text: str) -> set[str]:
    """The facts a rewrite must keep: the orders it is about, protocols, codes, links, amounts.

    A reply that names none of them ("pronto, consultei aqui") answers nothing, however
    polite it is.
    """
    facts = set(_S10.findall(text)) | {u.rstrip(".,;)") for u in _URL.findall(text)}
    facts.update(f"R$ {amount}" for amount in _MONEY.findall(text))
    facts.update(f"#{a or b}" for a, b in _ORDER_REF.findall(text))
    facts.update(_PROTOCOL.findall(text))
    return facts


def _amounts(text: str) -> set[str]:
    """Money in `text` as plain decimals ("R$ 1.189,90" and "1189.90" are both "1189.90")."""
    found = {a.replace(".", "").replace(",", ".") for a in _MONEY.findall(text)}
    return found | set(_JSON_AMOUNT.findall(text))


def _names_taken(reply: str, sources: list[str]) -> list[str]:
    """Bold names in the reply ("*Vestido Midi Floral*") that no source holds.

    Product names are bold in the drafts; a bold name of two or more words that neither
    the draft nor a tool result has is a product (or a promise) the model made up.
    """
    known = fold(" ".join(sources))
    return [
        name
        for name in _BOLD.findall(reply)
        if len(name.split()) >= 2 and fold(name.strip()) not in known
    ]


def _mentions(reply: str, fact: str) -> bool:
    if fact.startswith("R$ "):
        return fact[3:] in reply
    if fact.startswith("#"):
        return re.search(rf"(?<!\d){fact[1:]}(?!\d)", reply) is not None
    return fact in reply


def check_reply(
    reply: str,
    *,
    draft: str,
    allowed: Iterable[str],
    max_chars: int = WHATSAPP_TEXT_LIMIT,
    products: Iterable[str] = (),
) -> Verdict:
    """Judge a model-written `reply` against the rules `draft` it rewrote.

    Args:
        reply: The model's text.
        draft: The rules brain's reply for the same turn, built from verified data.
        allowed: Texts whose personal data the customer may read: their own identity,
            their messages and this turn's tool results (which hold only their orders).
        max_chars: The longest body the message type allows on WhatsApp.
        products: The names of the products this turn's catalog search returned; those
            the draft names must stay, and prices and bold names must come from the
            sources, so no product, price or stock figure is invented.
    """
    reasons: list[str] = []
    if not reply.strip():
        reasons.append("empty")
    if len(reply) > max_chars:
        reasons.append("too_long")
    folded = fold(reply)
    if any(pattern.search(folded) for pattern in _PROMISES):
        reasons.append("promise")
    sources = [draft, *allowed]
    known = _known_values(sources)
    if any(not _is_known(value, known) for value in _personal_values(reply)):
        reasons.append("foreign_personal_data")
    known_codes = {code for source in sources for code in _S10.findall(source)}
    if any(code not in known_codes for code in _S10.findall(reply)):
        reasons.append("foreign_tracking_code")
    kept = _facts(draft) | {name for name in products if name and name in draft}
    if any(not _mentions(reply, fact) for fact in kept):
        reasons.append("dropped_fact")
    if _amounts(reply) - set().union(*(_amounts(source) for source in sources)):
        reasons.append("foreign_price")
    if _names_taken(reply, sources):
        reasons.append("foreign_product")
    if agrees_prematurely(reply) and not agrees_prematurely(draft):
        reasons.append("premature_agreement")
    if opens_with_sympathy(draft) and not opens_with_sympathy(reply):
        reasons.append("dropped_sympathy")
    if says_not_understood(reply) and not says_not_understood(draft):
        reasons.append("not_understood")
    return Verdict(tuple(reasons))
