"""Typed errors of carrier tracking APIs, so callers can tell "retry later" from "fix config".

Hierarchy::

    TrackingError                   the carrier could not answer
    ├── TrackingAuthError           401/403: token missing, expired or not entitled
    ├── TrackingBadRequest          other 4xx: a request the carrier refuses
    ├── TrackingRateLimited         429: too many requests
    ├── TrackingServerError         5xx: the carrier failed
    └── TrackingUnavailable         timeout or connection error: no answer at all

An unknown tracking code is not an error: providers return None for it.
"""

from __future__ import annotations


class TrackingError(Exception):
    """The carrier could not give a usable answer."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        """Keep the HTTP status, when there was one, for diagnostics."""
        super().__init__(message)
        self.status_code = status_code


class TrackingAuthError(TrackingError):
    """401/403: the token is missing, expired or lacks the tracking contract."""


class TrackingBadRequest(TrackingError):
    """A 4xx other than auth and rate limiting: the request itself is wrong."""


class TrackingRateLimited(TrackingError):
    """429: the carrier asks us to slow down."""


class TrackingServerError(TrackingError):
    """5xx: the carrier failed; the same request may work later."""


class TrackingUnavailable(TrackingError):
    """No HTTP answer at all (timeout, DNS, refused connection)."""


def error_for_status(status: int, message: str) -> TrackingError:
    """The typed error for an HTTP error status, so every carrier client maps them alike."""
    if status in (401, 403):
        return TrackingAuthError(message, status_code=status)
    if status == 429:
        return TrackingRateLimited(message, status_code=status)
    if status >= 500:
        return TrackingServerError(message, status_code=status)
    return TrackingBadRequest(message, status_code=status)
