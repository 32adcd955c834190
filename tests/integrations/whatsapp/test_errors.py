import pytest

from integrations.whatsapp.errors import (
    AuthError,
    InvalidParameterError,
    InvalidRecipientError,
    PairRateLimitError,
    ReEngagementError,
    ServerError,
    TemplateError,
    ThrottlingError,
    UnknownError,
    WhatsAppError,
    error_from_response,
    error_from_webhook,
)


def meta_error(code: object, **extra: object) -> dict[str, object]:
    return {
        "error": {
            "message": f"(#{code}) Something",
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": "what went wrong"},
            "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam",
            **extra,
        }
    }


@pytest.mark.parametrize(
    ("status", "code", "kind", "retryable"),
    [
        (400, 130429, ThrottlingError, True),
        (429, 4, ThrottlingError, True),
        (400, 80007, ThrottlingError, True),
        (400, 131048, ThrottlingError, False),
        (400, 131056, PairRateLimitError, True),
        (400, 131047, ReEngagementError, False),
        (400, 131026, InvalidRecipientError, False),
        (400, 131030, InvalidRecipientError, False),
        (401, 190, AuthError, False),
        (403, 10, AuthError, False),
        (403, 200, AuthError, False),
        (400, 100, InvalidParameterError, False),
        (400, 131008, InvalidParameterError, False),
        (400, 131009, InvalidParameterError, False),
        (400, 132001, TemplateError, False),
        (500, 131000, ServerError, True),
        (500, 1, ServerError, True),
        (503, 2, ServerError, True),
        (400, 999999, UnknownError, False),
        (502, 999999, ServerError, True),
    ],
)
def test_codes_map_to_typed_errors(
    status: int, code: int, kind: type[WhatsAppError], retryable: bool
) -> None:
    error = error_from_response(status, meta_error(code, error_subcode=2494055))
    assert type(error) is kind
    assert error.code == code
    assert error.subcode == 2494055
    assert error.status == status
    assert error.retryable is retryable
    assert error.fbtrace_id == "Az8or2yhqkZfEZ-_4Qn_Bam"
    assert error.details == "what went wrong"
    assert str(error) == f"(#{code}) Something"


def test_template_errors_are_parameter_errors() -> None:
    assert isinstance(error_from_response(400, meta_error(132000)), InvalidParameterError)


@pytest.mark.parametrize(
    ("status", "kind"),
    [(429, ThrottlingError), (500, ServerError), (401, AuthError), (404, UnknownError)],
)
def test_bodies_without_an_error_object_fall_back_on_the_status(
    status: int, kind: type[WhatsAppError]
) -> None:
    for body in (None, "<html>bad gateway</html>", {"unexpected": True}):
        error = error_from_response(status, body, retry_after=3.0)
        assert type(error) is kind
        assert error.code is None
        assert error.retry_after == 3.0


def test_string_codes_from_a_proxy_are_read() -> None:
    assert type(error_from_response(400, meta_error("131056"))) is PairRateLimitError


def test_webhook_errors_use_the_same_types() -> None:
    error = error_from_webhook(
        {
            "code": 131047,
            "title": "Re-engagement message",
            "message": "Re-engagement message",
            "error_data": {"details": "Message failed to send because more than 24 hours"},
        }
    )
    assert isinstance(error, ReEngagementError)
    assert error.status is None
    assert error.details == "Message failed to send because more than 24 hours"
