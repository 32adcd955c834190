"""Check digits and canonical forms for the identifiers Brazilian customers type.

Kept apart from the extractors so other layers (tools, server) can validate a value they
already hold without pulling in the text-scanning patterns.
"""

from __future__ import annotations

import re

_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
_S10_SHAPE = re.compile(r"[A-Z]{2}\d{9}[A-Z]{2}")
_EMAIL_SHAPE = re.compile(
    r"[a-z0-9_%+-]+(?:\.[a-z0-9_%+-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,24}"
)

# Area codes (DDD) in service in Brazil; a phone outside this set is a typo or not a phone.
VALID_DDDS: frozenset[str] = frozenset(
    "11 12 13 14 15 16 17 18 19 21 22 24 27 28 31 32 33 34 35 37 38 41 42 43 44 45 46 47 48 49 "
    "51 53 54 55 61 62 63 64 65 66 67 68 69 71 73 74 75 77 79 81 82 83 84 85 86 87 88 89 "
    "91 92 93 94 95 96 97 98 99".split()
)


def cpf_check_digits(first_nine: str) -> str:
    """Return the two mod-11 check digits that complete a CPF's first nine digits.

    Exposed so tests and fixtures can build valid CPFs instead of hard-coding them.
    """
    digits = [int(char) for char in first_nine]
    for _ in range(2):
        weight_start = len(digits) + 1
        total = sum(d * w for d, w in zip(digits, range(weight_start, 1, -1), strict=True))
        remainder = total * 10 % 11
        digits.append(0 if remainder == 10 else remainder)
    return f"{digits[-2]}{digits[-1]}"


def is_valid_cpf(digits: str) -> bool:
    """Tell whether an 11-digit string is a CPF with correct check digits.

    Numbers made of one repeated digit pass the arithmetic but are never issued, so they fail.
    """
    if len(digits) != 11 or not digits.isascii() or not digits.isdigit():
        return False
    if digits == digits[0] * 11:
        return False
    return cpf_check_digits(digits[:9]) == digits[9:]


def s10_check_digit(serial: str) -> str:
    """Return the UPU S10 check digit for the eight serial digits of a tracking code."""
    total = sum(int(d) * w for d, w in zip(serial, _S10_WEIGHTS, strict=True))
    remainder = total % 11
    if remainder == 0:
        return "5"
    if remainder == 1:
        return "0"
    return str(11 - remainder)


def is_valid_s10(code: str) -> bool:
    """Tell whether an upper-case code is a UPU S10 tracking number with a correct check digit."""
    if not _S10_SHAPE.fullmatch(code):
        return False
    return s10_check_digit(code[2:10]) == code[10]


def is_valid_email(address: str) -> bool:
    """Tell whether a lower-cased address has a plausible local part, domain and TLD."""
    return len(address) <= 254 and _EMAIL_SHAPE.fullmatch(address) is not None


def normalize_phone(raw: str) -> str | None:
    """Canonicalise a Brazilian phone or WhatsApp sender id to E.164 ("+5511987654321").

    Accepts any punctuation, an optional +55 and a trunk 0. Mobiles written with the old
    eight-digit subscriber number get the ninth digit every Brazilian mobile has carried
    since 2016, so "551187654321" and "5511987654321" compare equal. Returns None when the
    digits cannot be a Brazilian phone.
    """
    digits = "".join(char for char in raw if char.isascii() and char.isdigit())
    if len(digits) in (12, 13) and digits.startswith("55"):
        digits = digits[2:]
    elif len(digits) in (11, 12) and digits.startswith("0"):
        digits = digits[1:]
    if len(digits) not in (10, 11) or digits[:2] not in VALID_DDDS:
        return None
    area, subscriber = digits[:2], digits[2:]
    if len(subscriber) == 9:
        if subscriber[0] != "9":
            return None
    elif subscriber[0] in "6789":
        subscriber = "9" + subscriber
    elif subscriber[0] not in "2345":
        return None
    return f"+55{area}{subscriber}"
