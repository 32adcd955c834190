from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from agent.language.validators import (
    VALID_DDDS,
    cpf_check_digits,
    is_valid_cpf,
    is_valid_email,
    is_valid_s10,
    normalize_phone,
    s10_check_digit,
)

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)
eight_digits = st.text(alphabet="0123456789", min_size=8, max_size=8)
letters = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2)


@pytest.mark.parametrize("cpf", ["52998224725", "11144477735", "39053344705"])
def test_known_cpfs_are_valid(cpf: str) -> None:
    assert is_valid_cpf(cpf)


@pytest.mark.parametrize(
    "cpf",
    [
        "52998224726",  # wrong second check digit
        "52998224715",  # wrong first check digit
        "11111111111",  # repeated digit passes the arithmetic but is never issued
        "00000000000",
        "5299822472",  # too short
        "529982247250",  # too long
        "529.982.247-25",  # punctuation is the extractor's job
        "5299822472a",
        "",
    ],
)
def test_invalid_cpfs_are_rejected(cpf: str) -> None:
    assert not is_valid_cpf(cpf)


@given(nine_digits)
def test_nine_digits_plus_computed_check_digits_is_a_valid_cpf(first_nine: str) -> None:
    assume(len(set(first_nine)) > 1)
    assert is_valid_cpf(first_nine + cpf_check_digits(first_nine))


@given(nine_digits, st.integers(min_value=0, max_value=1), st.integers(min_value=1, max_value=9))
def test_changing_a_check_digit_breaks_the_cpf(first_nine: str, which: int, delta: int) -> None:
    check = list(cpf_check_digits(first_nine))
    check[which] = str((int(check[which]) + delta) % 10)
    assert not is_valid_cpf(first_nine + "".join(check))


@pytest.mark.parametrize("code", ["AA123456785BR", "QC400289226BR"])
def test_known_s10_codes_are_valid(code: str) -> None:
    assert is_valid_s10(code)


@pytest.mark.parametrize(
    "code", ["AA123456789BR", "aa123456785br", "AA12345678BR", "A1123456785BR", "AA1234567850BR"]
)
def test_invalid_s10_codes_are_rejected(code: str) -> None:
    assert not is_valid_s10(code)


def test_s10_check_digit_special_remainders() -> None:
    # 11 - r in general, but remainder 0 gives 5 and remainder 1 gives 0
    assert s10_check_digit("00000001") == "4"
    remainders = {
        sum(int(d) * w for d, w in zip(f"{n:08d}", (8, 6, 4, 2, 3, 5, 9, 7), strict=True)) % 11: n
        for n in range(200)
    }
    assert s10_check_digit(f"{remainders[0]:08d}") == "5"
    assert s10_check_digit(f"{remainders[1]:08d}") == "0"


@given(letters, eight_digits, letters)
def test_s10_with_computed_check_digit_is_valid(prefix: str, serial: str, country: str) -> None:
    code = f"{prefix}{serial}{s10_check_digit(serial)}{country}"
    assert is_valid_s10(code)
    wrong = str((int(s10_check_digit(serial)) + 1) % 10)
    assert not is_valid_s10(f"{prefix}{serial}{wrong}{country}")


@pytest.mark.parametrize(
    "address", ["ana.souza@example.com", "joao+loja@example.com.br", "a_b-c@sub.example.org"]
)
def test_well_formed_emails(address: str) -> None:
    assert is_valid_email(address)


@pytest.mark.parametrize(
    "address", ["ana@", "ana.souza@example", "@example.com", "ana..souza@example.com", "ana@.com"]
)
def test_malformed_emails(address: str) -> None:
    assert not is_valid_email(address)


@pytest.mark.parametrize(
    "raw",
    [
        "5511987654321",
        "+55 11 98765-4321",
        "(11) 98765-4321",
        "11987654321",
        "011 98765 4321",
        "551187654321",  # old WhatsApp id without the mobile ninth digit
    ],
)
def test_normalize_phone_to_e164(raw: str) -> None:
    assert normalize_phone(raw) == "+5511987654321"


def test_normalize_phone_keeps_landlines() -> None:
    assert normalize_phone("(11) 3456-7890") == "+551134567890"


@pytest.mark.parametrize("raw", ["1001", "52998224725"[:9], "2098765432", "11187654321", "", "abc"])
def test_normalize_phone_rejects_non_phones(raw: str) -> None:
    assert normalize_phone(raw) is None


@given(st.sampled_from(sorted(VALID_DDDS)), st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_every_mobile_format_normalises_the_same(ddd: str, rest: str) -> None:
    expected = f"+55{ddd}9{rest}"
    formats = [
        f"55{ddd}9{rest}",
        f"+55 {ddd} 9{rest[:4]}-{rest[4:]}",
        f"({ddd}) 9{rest[:4]}-{rest[4:]}",
        f"{ddd}9{rest}",
    ]
    assert {normalize_phone(raw) for raw in formats} == {expected}
