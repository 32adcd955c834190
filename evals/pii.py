"""Mask personal data in recorded conversations before they become eval dialogues.

Production conversations are the best regression cases, but they carry CPFs, e-mails,
phones, CEPs, street addresses and names that must not land in the repository (LGPD). A
`Masker` replaces each with a fake of the same shape, consistently within one file: the
same CPF gets the same fake in every turn and in the dialogue's `customer` block, so a
conversation still reads (and still exercises identity checks) after masking.

The fakes are recognisable, so masking masked text changes nothing:

| data | fake | notes |
| --- | --- | --- |
| CPF | `000.000.001-91`: base `000000NNN`, valid check digits | punctuation kept as written |
| CNPJ | `00.000.001/0001-NN`: base `00000NNN0001`, valid check digits | |
| e-mail | `clienteN@example.com` | |
| phone | `+55119000000NN` (E.164) | any BR format, with or without +55 or area code |
| CEP | `00000-NNN` | |
| address | `Rua Exemplo N` | Rua, Av., Avenida, Alameda, Travessa, Praça... + number |
| name | `NomeN SobrenomeN` | only names registered with `add_name` (from the state or the export) |

Any other run of 8 to 14 digits is masked too (as a phone, a CEP or a CPF by its length),
since an unformatted number that long is almost always a document or a phone. Order
numbers (shorter) and tracking codes (letters around the digits) stay: the dialogue's
fixtures and tool expectations are keyed on them, and they say nothing about the person.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Literal

from agent.language.entities import PROOF_PLACEHOLDERS
from agent.language.validators import cpf_check_digits, is_valid_cpf, normalize_phone
from evals.scoring import fold

Kind = Literal["cpf", "cnpj", "email", "phone", "cep", "address", "name"]

_EMAIL = re.compile(r"(?<![\w.+%-])[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24}(?![\w-])")
_CNPJ = re.compile(
    r"(?<![\d.])(?:\d{2}\.?\d{3}\.?\d{3}/\d{4}-?\d{2}|\d{2}\.\d{3}\.\d{3}/?\d{4}-\d{2})(?!\d)"
)
_CPF = re.compile(
    r"(?<![\d.])\d{3}[.\s]\d{3}[.\s]\d{3}[\s.-]?\d{2}(?![\d]|[.,]\d)"
    r"|(?<![\d.])\d{9}-\d{2}(?!\d)"
)
_CEP = re.compile(r"(?<![\d.])(?:\d{5}-\d{3}|\d{2}\.\d{3}-\d{3})(?!\d)")
_PHONE = re.compile(
    r"(?<![\w+])\+?(?:55[\s.-]?)?(?:\(\s?0?\d{2}\s?\)|0?\d{2})[\s.-]?9?\d{4}[\s.-]?\d{4}(?!\w)"
    r"|(?<![\w+])\+\d{10,15}(?!\w)"
    r"|(?<![\w.-])9?\d{4}-\d{4}(?![\w-])"
)
_PHONE_LABEL = re.compile(r"(tel|fone|cel|whats|zap)\w*\W*$", re.IGNORECASE)
"""A label just before a run of digits that makes it a phone number."""
_DIGITS = re.compile(r"(?<![\w.])\d{8,14}(?![\w])")
_ADDRESS = re.compile(
    r"\b(?P<type>rua|r\.|avenida|av\.?|alameda|al\.|travessa|tv\.|estrada|est\.|rodovia|"
    r"rod\.|pra[çc]a|largo|servid[ãa]o|viela|beco)\s+(?P<name>[^\d\n,;:!?]{2,60}?)"
    r"\s*,?\s*(?:n(?:[º°o]|úmero|umero)?\.?\s*|(?<![^\W\d_]))(?P<number>\d{1,6})(?!\d)",
    re.IGNORECASE,
)
_DISCARDED = re.compile("|".join(re.escape(p) for p in PROOF_PLACEHOLDERS.values()))
"""What the agent leaves of a proof that proved no order."""
_SCAN = re.compile(
    "|".join(
        f"(?P<{name}>{pattern.pattern})"
        for name, pattern in (
            ("email", _EMAIL),
            ("cnpj", _CNPJ),
            ("cpf", _CPF),
            ("cep", _CEP),
            ("phone", _PHONE),
            ("digits", _DIGITS),
        )
    )
)

_FAKE_EMAIL = re.compile(r"cliente(\d+)@example\.com", re.IGNORECASE)
_FAKE_ADDRESS = re.compile(r"exemplo", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+")
_NAME_PARTICLES = frozenset({"da", "das", "de", "do", "dos", "e"})


def digits_of(text: str) -> str:
    """The ASCII digits of `text`, in order."""
    return "".join(char for char in text if char.isascii() and char.isdigit())


def _cnpj_check_digits(first_twelve: str) -> str:
    digits = [int(char) for char in first_twelve]
    for weights in ((5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2), (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)):
        remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        digits.append(0 if remainder < 2 else 11 - remainder)
    return f"{digits[-2]}{digits[-1]}"


def fake_cpf(number: int, *, formatted: bool = True) -> str:
    """The `number`-th fake CPF: valid check digits, so it still parses as a CPF."""
    base = f"{number:09d}"
    digits = base + cpf_check_digits(base)
    if not formatted:
        return digits
    return f"{digits[:3]}.{digits[3:6]}.{digits[6:9]}-{digits[9:]}"


def fake_cnpj(number: int, *, formatted: bool = True) -> str:
    """The `number`-th fake CNPJ, with valid check digits."""
    base = f"{number:08d}0001"
    digits = base + _cnpj_check_digits(base)
    if not formatted:
        return digits
    return f"{digits[:2]}.{digits[2:5]}.{digits[5:8]}/{digits[8:12]}-{digits[12:]}"


def fake_phone(number: int) -> str:
    """The `number`-th fake phone, in E.164: a São Paulo mobile, `+55119000000NN`."""
    return f"+55119{number:08d}"


def fake_email(number: int) -> str:
    """The `number`-th fake e-mail, on a domain reserved for examples."""
    return f"cliente{number}@example.com"


def fake_cep(number: int, *, formatted: bool = True) -> str:
    """The `number`-th fake CEP."""
    return f"00000-{number:03d}" if formatted else f"00000{number:03d}"


def _fake_number(kind: Kind, key: str) -> int | None:
    """The N of a value that is already one of our fakes, else None."""
    if kind == "cpf" and key.startswith("000000") and is_valid_cpf(key):
        return int(key[:9]) or None
    if kind == "cnpj" and key.startswith("00000") and key[8:12] == "0001":
        return int(key[:8]) or None
    if kind == "phone" and re.fullmatch(r"\+55119\d{8}", key) and key.startswith("+551190000"):
        return int(key[6:]) or None
    if kind == "cep" and key.startswith("00000"):
        return int(key[5:]) or None
    if kind == "email" and (found := _FAKE_EMAIL.fullmatch(key)):
        return int(found.group(1)) or None
    return None


def phone_key(raw: str) -> str:
    """One key per phone however it is written: E.164 when it is Brazilian, else its digits."""
    return normalize_phone(raw) or "+" + digits_of(raw)


class Masker:
    """Replaces personal data with fakes, the same fake for the same value in one file.

    Register what the state knows (the customer's phone, e-mails, CPFs, name) before
    masking text, so the numbering starts with the customer and an unformatted number is
    recognised as their phone rather than taken for a CPF.
    """

    def __init__(self) -> None:
        """Start with no values seen."""
        self._numbers: dict[tuple[Kind, str], int] = {}
        """(kind, normalised value) -> N of its fake; the format is chosen per occurrence."""
        self._taken: dict[Kind, set[int]] = {}
        self._names: dict[str, str] = {}
        """Folded name part -> its fake."""
        self.counts: Counter[Kind] = Counter()
        """How many distinct values of each kind were masked: safe to log."""
        self._discards = 0

    # -- numbering ---------------------------------------------------------------------

    def _number(self, kind: Kind, key: str) -> int:
        """The fake's N for a value: its own if seen, else the lowest free one."""
        if (kind, key) in self._numbers:
            return self._numbers[(kind, key)]
        taken = self._taken.setdefault(kind, set())
        number = _fake_number(kind, key)
        if number is None:
            number = 1
            while number in taken:
                number += 1
            self.counts[kind] += 1
        taken.add(number)
        self._numbers[(kind, key)] = number
        return number

    # -- one value of each kind --------------------------------------------------------

    def phone(self, raw: str) -> str:
        """The fake for a phone written any way.

        A number written without its area code reuses the fake of a known phone ending in it.
        """
        key = phone_key(raw)
        digits = digits_of(raw)
        if len(digits) <= 9:
            for (kind, known), number in self._numbers.items():
                if kind == "phone" and known.endswith(digits[-8:]):
                    return fake_phone(number)
        return fake_phone(self._number("phone", key))

    def email(self, raw: str) -> str:
        """The fake for an e-mail (case-insensitive)."""
        return fake_email(self._number("email", raw.casefold()))

    def cpf(self, raw: str) -> str:
        """The fake for a CPF, punctuated when the original was."""
        formatted = not raw.isdigit()
        return fake_cpf(self._number("cpf", digits_of(raw)), formatted=formatted)

    def cnpj(self, raw: str) -> str:
        """The fake for a CNPJ, punctuated when the original was."""
        formatted = not raw.isdigit()
        return fake_cnpj(self._number("cnpj", digits_of(raw)), formatted=formatted)

    def cep(self, raw: str) -> str:
        """The fake for a CEP, with its hyphen when the original had one."""
        formatted = not raw.isdigit()
        return fake_cep(self._number("cep", digits_of(raw)), formatted=formatted)

    def street(self, street: str, number: str | None) -> tuple[str, str]:
        """The fake (street, number) of an address kept in two fields, as orders keep it.

        The same `Rua Exemplo N` as the address written in text ("Rua Harmonia, 412").
        """
        if not street.strip() or _FAKE_ADDRESS.search(street):
            return street, number or ""
        found = _ADDRESS.fullmatch(f"{street.strip()}, {digits_of(number or '') or 0}")
        key = "street|" + fold(street.strip())
        fake = self._address(found) if found else f"Rua Exemplo {self._number('address', key)}"
        kind, _, fake_number = fake.rpartition(" ")
        return kind, fake_number

    def sender_id(self, raw: str) -> str:
        """A WhatsApp sender id: a phone's digits when it is one, else an opaque fake."""
        if normalize_phone(raw):
            return self.phone(raw).lstrip("+")
        return f"sender{self._number('phone', 'sender:' + raw)}"

    def stand_in_phone(self, label: str) -> str:
        """A fake phone for a customer the source does not identify, one per `label`."""
        return fake_phone(self._number("phone", "stand-in:" + label))

    def add_name(self, full_name: str) -> None:
        """Register a person's name: each part of it is masked wherever it appears."""
        parts = [part for part in re.findall(r"[^\W\d_]+", full_name) if len(part) >= 3]
        parts = [part for part in parts if fold(part) not in _NAME_PARTICLES]
        if not parts:
            return
        known = self._names.get(fold(parts[0]))
        number = digits_of(known) if known else str(self._number("name", fold(parts[0])))
        for position, part in enumerate(parts):
            self._names.setdefault(
                fold(part), f"{'Nome' if position == 0 else 'Sobrenome'}{number}"
            )

    # -- text --------------------------------------------------------------------------

    def _digits(self, raw: str, before: str) -> str:
        """An unformatted run of digits, classified by its length."""
        digits = digits_of(raw)
        if len(digits) == 14:
            return self.cnpj(raw)
        phone_label = _PHONE_LABEL.search(before) is not None
        if len(digits) == 11:
            # Eleven digits may be a CPF or a mobile with its area code; what was said before
            # them ("fone", or the same number seen as a phone) decides first.
            if ("phone", phone_key(digits)) in self._numbers or (phone_label and digits[2] == "9"):
                return self.phone(raw)
            if is_valid_cpf(digits) or digits[2] != "9" or ("cpf", digits) in self._numbers:
                return self.cpf(raw)
            return self.phone(raw)
        if len(digits) == 8 and not phone_label:
            return self.cep(raw)
        return self.phone(raw)

    def _identifier(self, match: re.Match[str]) -> str:
        raw = match.group(0)
        kind = match.lastgroup
        if kind == "email":
            return self.email(raw)
        if kind == "cnpj":
            return self.cnpj(raw)
        if kind == "cpf":
            return self.cpf(raw)
        if kind == "cep":
            return self.cep(raw)
        before = match.string[max(0, match.start() - 12) : match.start()]
        if kind == "phone" and not raw.isdigit():
            return self.phone(raw)
        return self._digits(raw, before)

    def _address(self, match: re.Match[str]) -> str:
        name = match.group("name").strip()
        if _FAKE_ADDRESS.fullmatch(name):
            self._taken.setdefault("address", set()).add(int(match.group("number")))
            return match.group(0)
        key = f"{fold(match.group('type')).rstrip('.')}|{fold(name)}|{match.group('number')}"
        number = self._number("address", key)
        return f"{match.group('type')} Exemplo {number}"

    def _name(self, match: re.Match[str]) -> str:
        return self._names.get(fold(match.group(0)), match.group(0))

    def _discarded(self, match: re.Match[str]) -> str:
        """A fresh fake for a proof the agent discarded: it proves nothing on replay either."""
        self._discards += 1
        key = f"discarded proof {self._discards}"
        if match.group(0) == PROOF_PLACEHOLDERS["email"]:
            return fake_email(self._number("email", key))
        return fake_cpf(self._number("cpf", key))

    def mask(self, text: str) -> str:
        """`text` with every identifier, address and registered name replaced by its fake.

        The agent keeps a proof that proved no order only as a placeholder ("[e-mail]");
        it becomes a fake no one owns, so the replayed customer still gave a wrong proof.
        """
        text = _DISCARDED.sub(self._discarded, text)
        text = _SCAN.sub(self._identifier, text)
        text = _ADDRESS.sub(self._address, text)
        if self._names:
            text = _WORD.sub(self._name, text)
        return text
