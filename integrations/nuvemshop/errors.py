"""Typed errors of the Nuvemshop API, so callers react to what happened, not to status codes.

Hierarchy::

    NuvemshopError                      anything the store API could not answer
    ├── NuvemshopBadRequest             400: malformed request (e.g. no User-Agent)
    ├── NuvemshopAuthError              401: access token missing, wrong or revoked
    ├── NuvemshopPaymentRequired        402: the store's app subscription is unpaid
    ├── NuvemshopNotFound               404: no such resource
    ├── NuvemshopValidationError        422: the API rejected the parameters
    ├── NuvemshopRateLimited            429: the store's leaky bucket is full
    ├── NuvemshopServerError            5xx: Nuvemshop failed
    └── NuvemshopUnavailable            timeout or connection error: no answer at all

Messages never carry the access token or customer data, so they are safe to log.
"""

from __future__ import annotations


class NuvemshopError(Exception):
    """The store API could not give a usable answer."""

    def __init__(
        self, message: str, *, status_code: int | None = None, description: str | None = None
    ) -> None:
        """Keep the HTTP status and the API's own description for diagnostics."""
        super().__init__(message)
        self.status_code = status_code
        self.description = description


class NuvemshopBadRequest(NuvemshopError):
    """400: the request itself is malformed; a bug on our side, retrying will not help."""


class NuvemshopAuthError(NuvemshopError):
    """401: the access token is missing, wrong or revoked (the app was uninstalled)."""


class NuvemshopPaymentRequired(NuvemshopError):
    """402: the store must pay for the app before the API answers again."""


class NuvemshopNotFound(NuvemshopError):
    """404: the resource does not exist in this store."""


class NuvemshopValidationError(NuvemshopError):
    """422: the API refused the parameters we sent."""


class NuvemshopRateLimited(NuvemshopError):
    """429: the store's request bucket is full; retry after `reset_ms` milliseconds."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = 429,
        description: str | None = None,
        reset_ms: int | None = None,
    ) -> None:
        """Carry `x-rate-limit-reset` so callers know how long to back off."""
        super().__init__(message, status_code=status_code, description=description)
        self.reset_ms = reset_ms


class NuvemshopServerError(NuvemshopError):
    """5xx: Nuvemshop failed; the same request may work later."""


class NuvemshopUnavailable(NuvemshopError):
    """No HTTP answer at all (timeout, DNS, refused connection)."""
