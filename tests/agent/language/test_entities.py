from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from agent.language.entities import (
    extract_cpf,
    extract_email,
    extract_entities,
    extract_order_number,
    extract_phone,
    extract_tracking_code,
    scan_entities,
)
from agent.language.validators import cpf_check_digits, s10_check_digit


@pytest.mark.parametrize(
    "text",
    [
        "529.982.247-25",
        "52998224725",
        "529 982 247 25",
        "meu cpf é 529.982.247-25",
        "CPF: 529982247-25",
    ],
)
def test_extract_cpf_accepts_common_formats(text: str) -> None:
    assert extract_cpf(text) == "52998224725"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("529.982.247-26", "cpf"),
        ("cpf 111.111.111-11", "cpf"),
        ("meu cpf é 52998224726", "cpf"),
        ("cpf 529982247", "cpf"),
        ("ana@", "email"),
        ("ana.souza@example", "email"),
        ("ana.souza@gmail,com", "email"),
        ("AA123456789BR", "tracking_code"),
        ("AA12345678BR", "tracking_code"),
    ],
)
def test_look_alikes_are_reported_invalid(text: str, kind: str) -> None:
    entities, invalid = extract_entities(text)
    assert invalid == [kind]
    assert kind not in entities


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("AA123456785BR", "AA123456785BR"),
        ("o código é qc400289226br", "QC400289226BR"),
        ("rastreio: QC400289226BR.", "QC400289226BR"),
    ],
)
def test_extract_tracking_code(text: str, code: str) -> None:
    assert extract_tracking_code(text) == code


def test_invalid_tracking_code_is_not_extracted() -> None:
    assert extract_tracking_code("AA123456789BR") is None


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("ana.souza@example.com", "ana.souza@example.com"),
        ("meu email é ANA.SOUZA@EXAMPLE.COM.", "ana.souza@example.com"),
        ("carlos.lima@example.com.br, obrigado", "carlos.lima@example.com.br"),
    ],
)
def test_extract_email_lower_cases(text: str, email: str) -> None:
    assert extract_email(text) == email


@pytest.mark.parametrize(
    "text",
    [
        "+55 11 98765-4321",
        "(11) 98765-4321",
        "11987654321",
        "5511987654321",
        "meu whats é 11 98765-4321",
    ],
)
def test_extract_phone_formats(text: str) -> None:
    assert extract_phone(text) == "+5511987654321"


def test_valid_cpf_digits_are_not_a_phone() -> None:
    entities, invalid = extract_entities("52998224725")
    assert entities == {"cpf": "52998224725"}
    assert invalid == []


def test_phone_context_wins_over_cpf_shape() -> None:
    assert extract_entities("meu celular é 11987654321")[0] == {"phone": "+5511987654321"}


@pytest.mark.parametrize(
    "text",
    [
        "pedido 1001",
        "#1001",
        "nº 1001",
        "n° 1001",
        "n 1001",
        "numero do pedido é 1001",
        "o número do meu pedido é 1001",
        "Pedido: #1001",
        "1001",
        "é o 1001",
        "cadê o 1001?",
        "meu pedido 1001 não chegou",
        "ped 1001",
    ],
)
def test_extract_order_number_forms(text: str) -> None:
    assert extract_order_number(text) == "1001"


@pytest.mark.parametrize(
    "text",
    [
        "529.982.247-25",
        "52998224725",
        "(11) 98765-4321",
        "AA123456785BR",
        "CEP 01310-100",
        "01310-100",
        "paguei R$ 150",
        "R$1.500,00",
        "custa 150 reais",
        "comprei dia 15/03/2024",
        "chega às 14:30",
        "depois das 14h",
        "quero 2 camisetas",
        "quero 100 camisetas",
        "faz 120 dias",
        "comprei em 2024",
        "ana1001@example.com",
        "oi",
        "",
    ],
)
def test_other_numbers_are_not_order_numbers(text: str) -> None:
    assert extract_order_number(text) is None


def test_several_entities_in_one_message() -> None:
    entities, invalid = extract_entities(
        "pedido 1028, cpf 529.982.247-25, email ana.souza@example.com, fone (11) 98765-4321"
    )
    assert entities == {
        "order_number": "1028",
        "cpf": "52998224725",
        "email": "ana.souza@example.com",
        "phone": "+5511987654321",
    }
    assert invalid == []


def test_valid_value_hides_an_invalid_one_of_the_same_kind() -> None:
    entities, invalid = extract_entities("cpf 529.982.247-26, digo, 529.982.247-25")
    assert entities == {"cpf": "52998224725"}
    assert invalid == []


def test_scan_masks_what_it_claimed() -> None:
    scan = scan_entities("pedido 1001 R$ 150 cpf 529.982.247-25")
    assert "1001" not in scan.masked
    assert "150" not in scan.masked
    assert "529" not in scan.masked


def test_huge_input_is_capped_and_does_not_raise() -> None:
    text = "1" * 10_000 + " pedido 1001 " + "a@" * 5_000
    entities, _ = extract_entities(text)
    assert "order_number" not in entities


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_any_generated_cpf_is_extracted_in_every_format(first_nine: str) -> None:
    assume(len(set(first_nine)) > 1)
    cpf = first_nine + cpf_check_digits(first_nine)
    formatted = f"{cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}-{cpf[9:]}"
    assert extract_cpf(f"meu cpf é {formatted}") == cpf
    assert extract_cpf(f"cpf {cpf}") == cpf


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_any_generated_s10_is_extracted(serial: str) -> None:
    code = f"QC{serial}{s10_check_digit(serial)}BR"
    assert extract_tracking_code(f"rastreio {code.lower()} por favor") == code


@given(st.integers(min_value=100, max_value=9_999_999))
def test_marked_order_numbers_round_trip(number: int) -> None:
    assert extract_order_number(f"pedido #{number}") == str(number)
    assert extract_order_number(f"o número do pedido é {number}") == str(number)


@given(st.text(max_size=300))
def test_extract_entities_never_raises(text: str) -> None:
    entities, invalid = extract_entities(text)
    assert isinstance(entities, dict)
    assert isinstance(invalid, list)


def test_a_failed_proof_leaves_the_message_without_it() -> None:
    from agent.language.entities import without_proofs

    text = "é ana.souza@example.com ou o cpf: 529.982.247-25, pedido 1001"
    assert without_proofs(text) == "é [e-mail] ou o cpf: [CPF], pedido 1001"
    assert without_proofs("52998224725") == "[CPF]"
    assert without_proofs("ana.souza@example") == "[e-mail]", "a mistyped one goes too"
