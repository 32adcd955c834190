"""Find order numbers, tracking codes, e-mails, CPFs and phones in a customer message.

Every identifier is numeric or close to it, so one scan runs the extractors in a fixed order
and masks each span it claims: the CPF's digits can then never be read as a phone, nor a
phone, CEP, price or date as an order number. Values come back normalised and validated;
look-alikes that fail validation are reported as invalid kinds so the bot can ask again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from agent.language.order_numbers import find_order_number
from agent.language.validators import (
    cpf_check_digits,
    is_valid_cpf,
    is_valid_email,
    is_valid_s10,
    normalize_phone,
    s10_check_digit,
)
from agent.understanding import Entities, EntityKind

__all__ = [
    "MASK",
    "EntityScan",
    "cpf_check_digits",
    "extract_cpf",
    "extract_email",
    "extract_entities",
    "extract_order_number",
    "extract_phone",
    "extract_tracking_code",
    "is_valid_cpf",
    "is_valid_email",
    "is_valid_s10",
    "normalize_phone",
    "s10_check_digit",
    "scan_entities",
]

MASK = " § "
"""What a claimed span is replaced with: not a word, not a digit, and a clause-neutral gap."""

MAX_SCAN_CHARS = 4000
"""Identifiers sit near the start of real messages; a pasted essay is not scanned whole."""

_EMAIL = re.compile(r"(?<![\w.+%-])[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24}(?![\w-])")
_EMAIL_BROKEN = re.compile(r"(?<![\w.+%-])[A-Za-z0-9][\w.%+-]*@[\w.,-]*")
_TRACKING = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{8,10}[A-Za-z]{2}(?![A-Za-z0-9])")
_CPF_FORMATTED = re.compile(
    r"(?<![\d.])\d{3}[.\s]\d{3}[.\s]\d{3}[\s.-]?\d{2}(?![\d]|[.,]\d)|(?<![\d.])\d{9}-\d{2}(?!\d)"
)
_ELEVEN_DIGITS = re.compile(r"(?<![\d+])\d{11}(?!\d)")
_CPF_AFTER_KEYWORD = re.compile(
    r"\bcpf\b\W{0,3}(?:(?:[eé]|eh)\s+)?(?:o\s+)?(\d[\d.\s/-]{2,20}\d)", re.IGNORECASE
)
_PHONE = re.compile(
    r"(?<![\w+])\+?(?:55[\s.-]?)?(?:\(\s?0?\d{2}\s?\)|0?\d{2})[\s.-]?9?\d{4}[\s.-]?\d{4}(?!\w)"
)
_CEP = re.compile(r"(?<![\d.])\d{5}-\d{3}(?!\d)|\bcep\b\W{0,3}\d{5}-?\d{3}(?!\d)", re.IGNORECASE)
_MONEY = re.compile(
    r"(?:r\$|\$)\s?\d[\d.,]*|(?<![\d.])\d[\d.]*,\d{1,2}(?!\d)"
    r"|\b\d[\d.,]*\s?(?:reais|real|conto|contos|pila|pilas|mil)\b",
    re.IGNORECASE,
)
_DATE = re.compile(r"(?<![\d.])\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?(?![\d])")
_TIME = re.compile(
    r"(?<!\d)\d{1,2}(?::\d{2}|h(?:\d{2}|s|rs)?\b|\s?(?:horas?|hrs?|min|minutos?)\b)",
    re.IGNORECASE,
)
_CPF_CONTEXT = re.compile(r"\bcpf\b", re.IGNORECASE)
_PHONE_CONTEXT = re.compile(
    r"\b(?:tel|telefone|fone|cel|celular|whats\w*|zap|wpp|contato|ligar|liga)\b", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class EntityScan:
    """Everything one scan learned, including the text with the claimed spans masked."""

    entities: Entities
    """Valid, normalised values; the first occurrence of each kind wins."""
    invalid: list[EntityKind]
    """Kinds that looked present but failed validation and have no valid value."""
    masked: str
    """The scanned text with identifiers, prices, dates and CEPs replaced by `MASK`."""


class _Scanner:
    """Accumulates findings while masking the text one extractor at a time."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.found: dict[EntityKind, str] = {}
        self.bad: list[EntityKind] = []

    def record(self, kind: EntityKind, value: str | None) -> None:
        if value is None:
            if kind not in self.bad:
                self.bad.append(kind)
        else:
            self.found.setdefault(kind, value)

    def claim(self, pattern: re.Pattern[str], decide: Callable[[re.Match[str]], bool]) -> None:
        """Mask every match that `decide` accepts; `decide` records what the match was."""

        def replace(match: re.Match[str]) -> str:
            return MASK if decide(match) else match.group()

        self.text = pattern.sub(replace, self.text)

    def result(self) -> EntityScan:
        entities = Entities()
        for kind, value in self.found.items():
            entities[kind] = value
        invalid = [kind for kind in self.bad if kind not in self.found]
        return EntityScan(entities=entities, invalid=invalid, masked=self.text)


def _preceding(match: re.Match[str], width: int = 30) -> str:
    return match.string[max(0, match.start() - width) : match.start()]


def _only_digits(raw: str) -> str:
    return "".join(char for char in raw if char.isdigit())


def scan_entities(text: str) -> EntityScan:
    """Run every extractor over `text` in the order that keeps them from stealing digits.

    The extractors are closures over one scanner and the order of the `claim` calls at
    the end is the rule, so they stay together in one function, one short closure each.
    """
    scan = _Scanner(text[:MAX_SCAN_CHARS])

    def email(match: re.Match[str]) -> bool:
        address = match.group().lower()
        scan.record("email", address if is_valid_email(address) else None)
        return True

    def broken_email(match: re.Match[str]) -> bool:
        scan.record("email", None)
        return True

    def tracking(match: re.Match[str]) -> bool:
        code = match.group().upper()
        scan.record("tracking_code", code if is_valid_s10(code) else None)
        return True

    def formatted_cpf(match: re.Match[str]) -> bool:
        digits = _only_digits(match.group())
        scan.record("cpf", digits if is_valid_cpf(digits) else None)
        return True

    def eleven_digits(match: re.Match[str]) -> bool:
        digits = match.group()
        before = _preceding(match)
        phone = normalize_phone(digits)
        if _PHONE_CONTEXT.search(before) and not _CPF_CONTEXT.search(before):
            scan.record("phone", phone)
        elif is_valid_cpf(digits):
            scan.record("cpf", digits)
        elif phone is not None and not _CPF_CONTEXT.search(before):
            scan.record("phone", phone)
        else:
            scan.record("cpf", None)
        return True

    def cpf_after_keyword(match: re.Match[str]) -> bool:
        digits = _only_digits(match.group(1))
        scan.record("cpf", digits if is_valid_cpf(digits) else None)
        return True

    def phone(match: re.Match[str]) -> bool:
        value = normalize_phone(match.group())
        if value is None:
            return False
        scan.record("phone", value)
        return True

    def not_an_entity(match: re.Match[str]) -> bool:
        return True

    scan.claim(_EMAIL, email)
    scan.claim(_EMAIL_BROKEN, broken_email)
    scan.claim(_TRACKING, tracking)
    scan.claim(_CPF_FORMATTED, formatted_cpf)
    scan.claim(_ELEVEN_DIGITS, eleven_digits)
    scan.claim(_CPF_AFTER_KEYWORD, cpf_after_keyword)
    scan.claim(_PHONE, phone)
    for pattern in (_CEP, _MONEY, _DATE, _TIME):
        scan.claim(pattern, not_an_entity)
    order = find_order_number(scan.text)
    if order is not None:
        number, start, end = order
        scan.record("order_number", number)
        scan.text = scan.text[:start] + MASK + scan.text[end:]
    return scan.result()


PROOF_PLACEHOLDERS = {"email": "[e-mail]", "cpf": "[CPF]"}


def without_proofs(text: str) -> str:
    """The text with every e-mail and CPF in it replaced by a placeholder.

    For a proof that proved no order: whoever typed someone else's e-mail or CPF must not
    leave it in their conversation. Anything shaped like one goes, valid or not.
    """
    email, cpf = PROOF_PLACEHOLDERS["email"], PROOF_PLACEHOLDERS["cpf"]
    text = _EMAIL_BROKEN.sub(email, _EMAIL.sub(email, text))
    text = _CPF_AFTER_KEYWORD.sub(lambda m: m.group()[: m.start(1) - m.start()] + cpf, text)
    return _ELEVEN_DIGITS.sub(cpf, _CPF_FORMATTED.sub(cpf, text))


def extract_entities(text: str) -> tuple[Entities, list[EntityKind]]:
    """Return the valid entities in `text` and the kinds that were given but are invalid."""
    scan = scan_entities(text)
    return scan.entities, scan.invalid


def extract_cpf(text: str) -> str | None:
    """Return the first valid CPF in `text` as 11 digits, whatever its punctuation."""
    return scan_entities(text).entities.get("cpf")


def extract_tracking_code(text: str) -> str | None:
    """Return the first valid Correios S10 tracking code in `text`, upper-cased."""
    return scan_entities(text).entities.get("tracking_code")


def extract_email(text: str) -> str | None:
    """Return the first well-formed e-mail address in `text`, lower-cased."""
    return scan_entities(text).entities.get("email")


def extract_phone(text: str) -> str | None:
    """Return the first Brazilian phone in `text` in E.164 form ("+5511987654321")."""
    return scan_entities(text).entities.get("phone")


def extract_order_number(text: str) -> str | None:
    """Return the Nuvemshop order number in `text` as digits, ignoring other numbers."""
    return scan_entities(text).entities.get("order_number")
