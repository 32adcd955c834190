"""PII masking: nothing personal survives, the same value gets the same fake, masks are stable."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from agent.language.validators import cpf_check_digits, is_valid_cpf, normalize_phone
from evals.pii import (
    Masker,
    digits_of,
    fake_cep,
    fake_cnpj,
    fake_cpf,
    fake_email,
    fake_phone,
)

# Strategies -----------------------------------------------------------------------------------

filler = st.text(alphabet="abcdefghij lmnopqrstuvxz,.!?áéçã", max_size=30)


@st.composite
def cpfs(draw: st.DrawFn) -> tuple[str, str]:
    """(digits, as written): a valid CPF, punctuated or not."""
    base = str(draw(st.integers(100_000_000, 999_999_999)))
    digits = base + cpf_check_digits(base)
    assume(is_valid_cpf(digits))
    written = draw(
        st.sampled_from(
            [
                digits,
                f"{digits[:3]}.{digits[3:6]}.{digits[6:9]}-{digits[9:]}",
                f"{digits[:9]}-{digits[9:]}",
                f"{digits[:3]} {digits[3:6]} {digits[6:9]} {digits[9:]}",
            ]
        )
    )
    return digits, written


@st.composite
def phones(draw: st.DrawFn) -> tuple[str, str]:
    """(E.164, as written): a Brazilian mobile in one of the ways people type it."""
    area = draw(st.sampled_from(["11", "21", "31", "41", "48", "61", "71", "85", "92"]))
    first = str(draw(st.integers(91_000, 99_999)))
    last = f"{draw(st.integers(0, 9_999)):04d}"
    e164 = f"+55{area}{first}{last}"
    assume(normalize_phone(e164) == e164)
    written = draw(
        st.sampled_from(
            [
                e164,
                f"+55 ({area}) {first}-{last}",
                f"({area}) {first}-{last}",
                f"{area} {first}-{last}",
                f"{area}{first}{last}",
                f"55{area}{first}{last}",
                f"+55 {area} {first} {last}",
            ]
        )
    )
    return e164, written


emails = st.builds(
    "{}{}@{}.{}".format,
    st.sampled_from("abcdefghijklmnopqrstuvwxyz"),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=15),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=10),
    st.sampled_from(["com", "com.br", "net"]),
)


# Properties -----------------------------------------------------------------------------------


@given(before=filler, cpf=cpfs(), after=filler)
def test_no_cpf_survives_in_any_format(before: str, cpf: tuple[str, str], after: str) -> None:
    digits, written = cpf
    masked = Masker().mask(f"{before} {written} {after}")

    assert written not in masked
    assert digits not in digits_of(masked)


@given(before=filler, phone=phones(), after=filler)
def test_no_phone_survives_in_any_format(before: str, phone: tuple[str, str], after: str) -> None:
    e164, written = phone
    masked = Masker().mask(f"{before} {written} {after}")

    assert written not in masked
    assert e164[3:] not in digits_of(masked), "the national number must be gone"


@given(before=filler, email=emails, after=filler)
def test_no_email_survives(before: str, email: str, after: str) -> None:
    masked = Masker().mask(f"{before} {email} {after}")

    assert email not in masked.casefold()
    assert "@example.com" in masked


@given(cpf=cpfs(), phone=phones(), email=emails)
def test_the_same_value_gets_the_same_fake_in_every_turn(
    cpf: tuple[str, str], phone: tuple[str, str], email: str
) -> None:
    masker = Masker()
    first = masker.mask(f"cpf {cpf[1]} fone {phone[1]} email {email}")
    again = masker.mask(f"cpf {cpf[0]} fone {phone[0]} email {email.upper()}")

    assert digits_of(first) == digits_of(again)
    assert re.findall(r"\S+@\S+", first) == re.findall(r"\S+@\S+", again)


@given(one=cpfs(), other=cpfs())
def test_different_values_get_different_fakes(one: tuple[str, str], other: tuple[str, str]) -> None:
    assume(one[0] != other[0])
    masker = Masker()

    assert masker.mask(one[0]) != masker.mask(other[0])


@given(before=filler, cpf=cpfs(), phone=phones(), email=emails)
def test_masking_masked_text_changes_nothing(
    before: str, cpf: tuple[str, str], phone: tuple[str, str], email: str
) -> None:
    masker = Masker()
    masker.add_name("Ana Souza")
    masked = masker.mask(f"{before} Ana {cpf[1]} {phone[1]} {email} Rua das Flores, 12")

    assert masker.mask(masked) == masked
    assert Masker().mask(masked) == masked


# Examples -------------------------------------------------------------------------------------


def test_fakes_keep_the_shape_of_what_they_replace() -> None:
    assert fake_cpf(1) == "000.000.001-91" and is_valid_cpf(digits_of(fake_cpf(7)))
    assert fake_cpf(1, formatted=False) == "00000000191"
    assert fake_phone(1) == "+5511900000001" and normalize_phone(fake_phone(42)) == fake_phone(42)
    assert fake_email(3) == "cliente3@example.com"
    assert fake_cep(2) == "00000-002"
    assert re.fullmatch(r"\d{2}\.\d{3}\.\d{3}/0001-\d{2}", fake_cnpj(5))


def test_a_realistic_message_is_masked_and_order_data_stays() -> None:
    masker = Masker()
    masker.phone("+5511987654321")
    masker.add_name("Júlia Andrade")
    text = (
        "oi, sou a Julia Andrade, cpf 529.982.247-25, meu zap é (11) 98765-4321; "
        "entrega na Av. Paulista, nº 1000, CEP 01310-100. pedido 1001, rastreio AA123456785BR"
    )

    masked = masker.mask(text)

    assert masked == (
        "oi, sou a Nome1 Sobrenome1, cpf 000.000.001-91, meu zap é +5511900000001; "
        "entrega na Av. Exemplo 1, CEP 00000-001. pedido 1001, rastreio AA123456785BR"
    )
    assert dict(masker.counts) == {"phone": 1, "name": 1, "cpf": 1, "address": 1, "cep": 1}


def test_a_fake_name_after_a_street_abbreviation_is_not_read_as_an_address() -> None:
    """The fake name Nome1 carries its counter; it is not a street named Nome at number 1."""
    masked = "r. Nome1 000.000.001-91, Rua Exemplo 1"

    assert Masker().mask(masked) == masked
    assert Masker().mask("r. Flores 12, r. Flores, 12 e R. Flores nº12") == (
        "r. Exemplo 1, r. Exemplo 1 e R. Exemplo 1"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("meu cpf 52998224725", "meu cpf 00000000191"),
        ("me liga 11987654321", "me liga +5511900000001"),
        ("cep 01310100", "cep 00000001"),
        ("cnpj 11222333000181", "cnpj 00000001000136"),
        ("sem ddd: 98765-4321", "sem ddd: +5511900000001"),
        ("total R$ 1.234,56 em 3x, dia 12/12", "total R$ 1.234,56 em 3x, dia 12/12"),
    ],
)
def test_bare_numbers_are_classified_by_length(text: str, expected: str) -> None:
    assert Masker().mask(text) == expected


def test_a_number_without_area_code_reuses_the_known_phone() -> None:
    masker = Masker()
    masker.phone("+5521998765432")
    masker.phone("+5511987654321")

    assert masker.mask("é 98765-4321") == "é +5511900000002"


def test_sender_ids_that_are_phones_share_the_phone_fake() -> None:
    masker = Masker()

    assert masker.sender_id("5511987654321") == "5511900000001"
    assert masker.phone("+55 11 98765-4321") == "+5511900000001"
    assert masker.sender_id("BR.opaque-id") == "sender2"


def test_already_masked_values_reserve_their_numbers() -> None:
    masker = Masker()

    masked = masker.mask("cliente1@example.com e fulano@gmail.com")

    assert masked == "cliente1@example.com e cliente2@example.com"
