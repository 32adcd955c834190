"""UPU S10 tracking codes (the Correios format), checked before trusting a typed code.

A code is 2 letters, 8 serial digits, a check digit and a 2-letter country (`AA123456785BR`).
The check digit catches most typos, so a bad code can be refused without asking the carrier.
"""

from __future__ import annotations

import re

_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
S10_PATTERN = re.compile(r"^[A-Z]{2}\d{9}[A-Z]{2}$")


def normalize_tracking_code(code: str) -> str:
    """Upper-case the code and drop the spaces, dots and dashes people type into it."""
    return re.sub(r"[\s.\-]", "", code).upper()


def s10_check_digit(serial: str) -> int:
    """The check digit of an 8-digit serial (weights 8,6,4,2,3,5,9,7; mod 11)."""
    if len(serial) != 8 or not serial.isdigit():
        raise ValueError("an S10 serial has exactly 8 digits")
    remainder = sum(int(d) * w for d, w in zip(serial, _WEIGHTS, strict=True)) % 11
    if remainder == 0:
        return 5
    if remainder == 1:
        return 0
    return 11 - remainder


def looks_like_s10(code: str) -> bool:
    """Whether the (normalized) code has the S10 shape, whatever its check digit."""
    return bool(S10_PATTERN.match(code))


def is_valid_s10(code: str) -> bool:
    """Whether the (normalized) code is a well-formed S10 code with a correct check digit."""
    return looks_like_s10(code) and s10_check_digit(code[2:10]) == int(code[10])
