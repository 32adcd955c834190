"""Logs: JSON lines, and no CPF, e-mail, phone or address survives into them."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.logs import (
    REQUEST_LOGGERS,
    JsonFormatter,
    RedactingFilter,
    configure_logging,
    redact,
)

DDDS = [f"{a}{b}" for a in range(1, 10) for b in range(1, 10)]


def digits_of(text: str) -> str:
    return re.sub(r"\D", "", text)


def cpf_digits(base: list[int]) -> str:
    """Nine digits and the two CPF check digits."""
    digits = list(base)
    for length in (9, 10):
        total = sum(d * w for d, w in zip(digits, range(length + 1, 1, -1), strict=True))
        digits.append(0 if total % 11 < 2 else 11 - total % 11)
    return "".join(map(str, digits))


def format_cpf(digits: str) -> str:
    return f"{digits[:3]}.{digits[3:6]}.{digits[6:9]}-{digits[9:]}"


cpfs = st.builds(cpf_digits, st.lists(st.integers(0, 9), min_size=9, max_size=9)).flatmap(
    lambda digits: st.sampled_from([digits, format_cpf(digits)])
)


@st.composite
def phones(draw: st.DrawFn) -> tuple[str, str]:
    """A Brazilian phone written as people and WhatsApp write it, and its subscriber digits."""
    if draw(st.booleans()):
        subscriber = "9" + draw(st.from_regex(r"\A\d{8}\Z"))
        head = subscriber[:5]
        if draw(st.booleans()):
            head = f"9 {head[1:]}"
    else:
        subscriber = draw(st.from_regex(r"\A[2-5]\d{7}\Z"))
        head = subscriber[:4]
    number = head + draw(st.sampled_from(["", "-", " ", "."])) + subscriber[-4:]
    if draw(st.booleans()) and "-" in number:
        return number, subscriber  # local form, without DDD
    ddd = draw(st.sampled_from(DDDS))
    area = draw(st.sampled_from([f"{ddd} ", ddd, f"({ddd}) ", f"({ddd})", f"{ddd}-", f"0{ddd} "]))
    country = draw(st.sampled_from(["", "55", "55 ", "+55", "+55 ", "+55-", "+ 55 "]))
    return country + area + number, subscriber


@st.composite
def addresses(draw: st.DrawFn) -> tuple[str, str, str]:
    """A street address, its street name and its house number."""
    kind = draw(st.sampled_from(["Rua", "rua", "R.", "Av.", "Av", "Avenida", "Travessa"]))
    name = draw(st.sampled_from(["das Flores", "Paulista", "São João", "25 de Março", "XV"]))
    number = str(draw(st.integers(1, 99999)))
    glue = draw(st.sampled_from([", ", " nº ", ", nº ", " n° ", " ", ", número ", " - "]))
    return f"{kind} {name}{glue}{number}", name, number


@given(cpf=cpfs)
def test_no_cpf_survives(cpf: str) -> None:
    out = redact(f"Meu CPF é {cpf}, pode conferir?")
    assert digits_of(cpf) not in digits_of(out)
    assert "[cpf]" in out


@given(email=st.emails())
def test_no_email_survives(email: str) -> None:
    out = redact(f"Oi, meu e-mail é {email}, obrigado!")
    assert email not in out
    assert email.split("@")[0] + "@" not in out
    assert "[email]" in out


@given(phone=phones())
def test_no_phone_survives(phone: tuple[str, str]) -> None:
    text, subscriber = phone
    out = redact(f"Me liga no {text}, por favor.")
    assert subscriber[-8:] not in digits_of(out)


@given(address=addresses())
def test_no_street_address_survives(address: tuple[str, str, str]) -> None:
    text, name, _number = address
    out = redact(f"Entregar na {text}, fundos.")
    assert name not in out and not digits_of(out)
    assert "[address]" in out


@given(before=st.text(max_size=30), cpf=cpfs, email=st.emails(), after=st.text(max_size=30))
def test_personal_data_is_removed_from_any_surrounding_text(
    before: str, cpf: str, email: str, after: str
) -> None:
    out = redact(" ".join([before, cpf, email, after]))
    assert cpf not in out and email not in out


@pytest.mark.parametrize(
    "text",
    [
        "pedido 1004 rastreio AA123456785BR",
        "thread 3fa9c0b1d2e4 took 12.5 ms at 2026-03-01T12:00:00",
        "request 8f3e1234-5678-4abc-9def-0123456789ab",
        "CEP [cep] já redigido, [phone] também",
    ],
)
def test_ordinary_log_text_is_kept(text: str) -> None:
    assert redact(text) == text


def test_cep_is_redacted() -> None:
    assert redact("CEP 01310-100") == "CEP [cep]"


def json_logger(name: str) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(name)
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


class Customer:
    def __str__(self) -> str:
        return "Ana <ana@example.com>"


def test_json_line_has_the_fields_and_redacted_message_and_extras() -> None:
    logger, stream = json_logger("tests.logs.fields")
    logger.info(
        "order for %s",
        "ana@example.com",
        extra={
            "customer": "CPF 123.456.789-09",
            "contact": {"phones": ["+55 (11) 98765-4321"], "city": "São Paulo"},
            "attempt": 2,
            "who": Customer(),
        },
    )
    [line] = lines(stream)
    assert line["level"] == "INFO" and line["logger"] == "tests.logs.fields"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])
    assert line["message"] == "order for [email]"
    assert line["customer"] == "CPF [cpf]"
    assert line["contact"] == {"phones": ["[phone]"], "city": "São Paulo"}
    assert line["attempt"] == 2
    assert line["who"] == "Ana <[email]>"


def test_tracebacks_are_redacted() -> None:
    logger, stream = json_logger("tests.logs.traceback")
    try:
        raise ValueError("no order for ana@example.com, CPF 12345678909")
    except ValueError:
        logger.exception("lookup failed")
    [line] = lines(stream)
    assert "ValueError: no order for [email], CPF [cpf]" in line["exception"]
    assert "ana@example.com" not in stream.getvalue()


@pytest.fixture
def root_logging() -> Iterator[logging.Logger]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    request_levels = {name: logging.getLogger(name).level for name in REQUEST_LOGGERS}
    yield root
    root.handlers = handlers
    root.setLevel(level)
    for name, request_level in request_levels.items():
        logging.getLogger(name).setLevel(request_level)
    logging.captureWarnings(False)


def test_configure_logging_installs_one_redacting_handler(
    root_logging: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    others = list(root_logging.handlers)
    configure_logging("DEBUG")
    configure_logging(logging.INFO)
    assert len(root_logging.handlers) == len(others) + 1
    assert root_logging.level == logging.INFO

    logging.getLogger("tests.logs.configured").warning("ligar para 11 98765-4321")
    [line] = [json.loads(x) for x in capsys.readouterr().err.splitlines()]
    assert line["message"] == "ligar para [phone]"


def test_plain_text_logging_is_redacted_too(
    root_logging: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(logging.INFO, json=False)
    logging.getLogger("tests.logs.plain").info("cliente %s", "ana@example.com")
    err = capsys.readouterr().err
    assert "tests.logs.plain: cliente [email]" in err


def test_http_clients_log_each_request_only_when_debug_is_asked_for(
    root_logging: logging.Logger,
) -> None:
    httpx_logger = logging.getLogger("httpx")

    configure_logging(logging.INFO)
    assert not httpx_logger.isEnabledFor(logging.INFO)
    assert httpx_logger.isEnabledFor(logging.WARNING)

    configure_logging("DEBUG")
    assert httpx_logger.isEnabledFor(logging.INFO)
