"""Typed errors of the WhatsApp Cloud API, built from Meta's error codes, not HTTP statuses.

Meta advises handling errors by `code`: the same HTTP 400 means "fix your payload" for
131009 and "send a template instead" for 131047. Hierarchy::

    WhatsAppError                 anything the Graph API refused (code, subcode, fbtrace_id)
    ├── ThrottlingError           130429, 4, 80007: number, app or account over its rate;
    │                             131048, 131049: spam/marketing limits (never retried)
    ├── PairRateLimitError        131056: too many messages to the same user; slow down
    ├── ReEngagementError         131047: outside the 24 h window; only a template may go
    ├── InvalidRecipientError     131026, 131030, 131021, 131050: this user cannot get it
    ├── AuthError                 190, 0, 3, 10, 200-299, 131005, 131031, 368: token/account
    ├── InvalidParameterError     100, 33, 131008, 131009, 131051: our payload is wrong
    │   └── TemplateError         132xxx: template missing, paused or given wrong parameters
    ├── ServerError               5xx, 1, 2, 131000, 131016, 131057, 133004: Meta failed
    ├── NetworkError              no HTTP answer (connection refused, timeout)
    └── UnknownError              a code this module does not know yet

`retryable` says whether the same request may succeed later without changes. Cloud API
often accepts a request and reports the failure (131047, 131026...) later in a `failed`
status webhook; `error_from_webhook` turns those into the same types so callers react alike.
Messages hold Meta's title and details, never the token, the recipient or the text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class WhatsAppError(Exception):
    """The Graph API did not accept a request; `code` says why in Meta's terms."""

    default_retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        subcode: int | None = None,
        details: str | None = None,
        fbtrace_id: str | None = None,
        status: int | None = None,
        retryable: bool | None = None,
        retry_after: float | None = None,
    ) -> None:
        """Keep Meta's code, subcode and trace id, the fields its support asks for."""
        super().__init__(message)
        self.message = message
        self.code = code
        self.subcode = subcode
        self.details = details
        self.fbtrace_id = fbtrace_id
        self.status = status
        self.retryable = self.default_retryable if retryable is None else retryable
        self.retry_after = retry_after


class ThrottlingError(WhatsAppError):
    """The number (130429), the app (4) or the account (80007) sends faster than allowed."""

    default_retryable = True


class PairRateLimitError(WhatsAppError):
    """131056: too many messages to one user in a short time; that user needs a pause."""

    default_retryable = True


class ReEngagementError(WhatsAppError):
    """131047: the user's last message is over 24 h old; only a template may reach them."""


class InvalidRecipientError(WhatsAppError):
    """The user cannot receive this: not on WhatsApp, blocked, opted out or not allowed."""


class AuthError(WhatsAppError):
    """The token expired or lacks permission, or the account may not send at all."""


class InvalidParameterError(WhatsAppError):
    """The payload breaks an API rule (a limit, a missing field): a bug to fix, not retry."""


class TemplateError(InvalidParameterError):
    """The template does not exist in that language, is paused, or got wrong parameters."""


class ServerError(WhatsAppError):
    """Meta failed or is briefly unavailable; the same request may pass later."""

    default_retryable = True


class NetworkError(WhatsAppError):
    """No HTTP answer; retryable only when the request surely never reached Meta."""


class UnknownError(WhatsAppError):
    """A code this module does not map; kept whole so logs show what Meta said."""


_BY_CODE: dict[int, type[WhatsAppError]] = {
    **dict.fromkeys((4, 80007, 130429, 131048, 131049), ThrottlingError),
    131056: PairRateLimitError,
    131047: ReEngagementError,
    **dict.fromkeys((131021, 131026, 131030, 131050), InvalidRecipientError),
    **dict.fromkeys((0, 3, 10, 190, 368, 131005, 131031), AuthError),
    **dict.fromkeys((33, 100, 131008, 131009, 131051, 131052, 131053), InvalidParameterError),
    **dict.fromkeys((1, 2, 131000, 131016, 131057, 133004), ServerError),
}

_SLOW_LIMITS = frozenset({131048, 131049})
"""Spam and per-user marketing limits: they last hours or days, so a quick retry only hurts."""


def error_type(code: int | None, status: int | None = None) -> type[WhatsAppError]:
    """The error class for a Meta code, falling back on the HTTP status when the code is new."""
    if code is not None:
        if code in _BY_CODE:
            return _BY_CODE[code]
        if 200 <= code <= 299:
            return AuthError
        if 132000 <= code <= 132999:
            return TemplateError
    if status == 429:
        return ThrottlingError
    if status in (401, 403):
        return AuthError
    if status is not None and status >= 500:
        return ServerError
    return UnknownError


def error_from_response(
    status: int, body: Any, *, retry_after: float | None = None
) -> WhatsAppError:
    """Build the typed error for a Graph API response that was not a success.

    `body` is the decoded JSON (or anything else, when the answer was not JSON): Meta's
    `{"error": {"message", "type", "code", "error_subcode", "error_data", "fbtrace_id"}}`.
    """
    error = body.get("error") if isinstance(body, Mapping) else None
    if not isinstance(error, Mapping):
        kind = error_type(None, status)
        return kind(
            f"HTTP {status} without a Graph API error", status=status, retry_after=retry_after
        )
    return _build(error, status=status, retry_after=retry_after)


def error_from_webhook(error: Mapping[str, Any]) -> WhatsAppError:
    """Build the typed error from one entry of a webhook's `statuses[].errors` list."""
    return _build(error, status=None, retry_after=None)


def _build(
    error: Mapping[str, Any], *, status: int | None, retry_after: float | None
) -> WhatsAppError:
    """Read Meta's error object, whose field set differs between responses and webhooks."""
    code = _int(error.get("code"))
    data = error.get("error_data")
    details = data.get("details") if isinstance(data, Mapping) else data
    message = error.get("message") or error.get("title") or f"Graph API error {code}"
    kind = error_type(code, status)
    return kind(
        str(message),
        code=code,
        subcode=_int(error.get("error_subcode")),
        details=details if isinstance(details, str) else None,
        fbtrace_id=error.get("fbtrace_id") if isinstance(error.get("fbtrace_id"), str) else None,
        status=status,
        retryable=False if code in _SLOW_LIMITS else None,
        retry_after=retry_after,
    )


def _int(value: Any) -> int | None:
    """Meta sends codes as numbers, but a proxy may have turned them into strings."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None
