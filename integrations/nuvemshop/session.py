"""One store's API session: credentials, pacing, retries, and HTTP outcomes as typed errors.

`NuvemshopClient` says what to read; this module says how a request reaches the API. Each
attempt first waits for a slot in the store's leaky bucket (when a limiter is given), then
reports the `x-rate-limit-*` headers back to it. Failures that may pass (5xx, timeouts,
connection errors, 429) are retried with tenacity as the `RetryPolicy` allows; the others
raise at once. Logs name the method, path and status, never the token or query values.
"""

from __future__ import annotations

import json
import logging
import random
import re
from dataclasses import dataclass
from typing import Any

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from integrations.nuvemshop.errors import (
    NuvemshopAuthError,
    NuvemshopBadRequest,
    NuvemshopError,
    NuvemshopNotFound,
    NuvemshopPaymentRequired,
    NuvemshopRateLimited,
    NuvemshopServerError,
    NuvemshopUnavailable,
    NuvemshopValidationError,
)
from integrations.nuvemshop.ratelimit import RateLimiter, RateLimitReport

logger = logging.getLogger(__name__)

API_VERSION = re.compile(r"^(v1|\d{4}-\d{2})$")
"""`v1`, or a dated version such as `2025-03`."""

_ERRORS_BY_STATUS: dict[int, type[NuvemshopError]] = {
    400: NuvemshopBadRequest,
    401: NuvemshopAuthError,
    402: NuvemshopPaymentRequired,
    404: NuvemshopNotFound,
    422: NuvemshopValidationError,
}
_RETRYABLE = (NuvemshopServerError, NuvemshopUnavailable, NuvemshopRateLimited)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often to retry a failed read: 5xx, timeouts and connection errors, and 429.

    Other 4xx are never retried: the same request would fail the same way. Reads are GETs,
    so repeating one is safe; writes (webhook registration) run with `SINGLE_ATTEMPT`.
    """

    attempts: int = 3
    """Tries in all, the first one included."""
    initial_backoff: float = 0.5
    """Upper bound of the first random wait, in seconds; it doubles each attempt."""
    max_backoff: float = 8.0
    """No wait after a failure is longer than this."""
    max_rate_limit_wait: float = 20.0
    """Longest wait after a 429; 20 s empties a full bucket on every plan."""

    def __post_init__(self) -> None:
        """Refuse a policy that would never send the request."""
        if self.attempts < 1:
            raise ValueError("a retry policy needs at least one attempt")

    def wait(self, state: RetryCallState) -> float:
        """Seconds before the next attempt: the bucket's reset after a 429, else full jitter.

        Full jitter (a random wait up to the exponential bound) spreads the retries of many
        workers that failed together, instead of sending them back in one burst.
        """
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, NuvemshopRateLimited) and error.reset_ms is not None:
            jitter = random.uniform(0, self.initial_backoff / 10)
            return min(error.reset_ms / 1000 + jitter, self.max_rate_limit_wait)
        bound = self.initial_backoff * 2 ** (state.attempt_number - 1)
        return random.uniform(0, min(bound, self.max_backoff))


SINGLE_ATTEMPT = RetryPolicy(attempts=1)
"""No retries: failures surface at once (the default, so one-off calls and tests fail fast)."""


class StoreSession:
    """The HTTP side of one store: a connection pool with its credentials, limiter and retries."""

    def __init__(
        self,
        *,
        store_id: str,
        access_token: str | httpx.Auth,
        user_agent: str,
        base_url: str,
        api_version: str,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None,
        limiter: RateLimiter | None,
        retry: RetryPolicy,
    ) -> None:
        """Bind the pool to `{base_url}/{api_version}/{store_id}` with the store's token.

        `access_token` is the token, or an `httpx.Auth` that finds it per request (a store
        whose token the app's install keeps: `InstalledToken`).
        """
        if not API_VERSION.match(api_version):
            raise ValueError(f"unknown Nuvemshop API version {api_version!r}; use v1 or YYYY-MM")
        self.store_id = store_id
        self._limiter = limiter
        self._retry = retry
        headers = {"User-Agent": user_agent, "Content-Type": "application/json"}
        auth = access_token if isinstance(access_token, httpx.Auth) else None
        if auth is None:
            headers["Authentication"] = f"bearer {access_token}"
        self._http = httpx.AsyncClient(
            base_url=f"{base_url.rstrip('/')}/{api_version}/{store_id}",
            headers=headers,
            auth=auth,
            timeout=timeout,
            transport=transport,
        )

    async def aclose(self) -> None:
        """Release the connection pool."""
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
    ) -> httpx.Response:
        """Send a request, retried as the policy allows; failures as a typed `NuvemshopError`.

        `body` is what a write sends, as JSON; reads send none.
        """
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._retry.attempts),
            wait=self._retry.wait,
            retry=retry_if_exception_type(_RETRYABLE),
            before_sleep=lambda state: _log_retry(method, path, state),
            reraise=True,
        )
        response: httpx.Response = await retrying(self._attempt, method, path, params, body)
        return response

    async def _attempt(
        self, method: str, path: str, params: dict[str, str] | None, body: Any
    ) -> httpx.Response:
        """Wait for a slot in the store's bucket, send once, and map any failure to an error."""
        if self._limiter is not None:
            await self._limiter.acquire(self.store_id)
        try:
            response = await self._http.request(method, path, params=params, json=body)
        except httpx.TimeoutException as error:
            logger.warning("nuvemshop %s %s timed out", method, path)
            raise NuvemshopUnavailable(f"{method} {path} timed out") from error
        except httpx.TransportError as error:
            logger.warning("nuvemshop %s %s failed: %s", method, path, type(error).__name__)
            raise NuvemshopUnavailable(f"{method} {path} failed to connect") from error
        report = RateLimitReport.from_headers(response.headers)
        if self._limiter is not None:
            await self._limiter.observe(self.store_id, report)
        status = response.status_code
        logger.debug("nuvemshop %s %s -> %d", method, path, status)
        if status < 400:
            return response
        description = _error_description(response)
        message = f"{method} {path} answered {status}"
        if status == 429:
            reset = "?" if report.reset_ms is None else report.reset_ms
            logger.warning("nuvemshop rate limited; reset in %s ms", reset)
            raise NuvemshopRateLimited(message, description=description, reset_ms=report.reset_ms)
        if status >= 500:
            logger.warning("nuvemshop %s %s -> %d", method, path, status)
            raise NuvemshopServerError(message, status_code=status, description=description)
        error_type = _ERRORS_BY_STATUS.get(status, NuvemshopError)
        if status != 404:
            logger.warning("nuvemshop %s %s -> %d", method, path, status)
        raise error_type(message, status_code=status, description=description)


def json_body(response: httpx.Response) -> Any:
    """The decoded body; a body that is not JSON is the API failing, not an empty answer."""
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise NuvemshopError(
            "response body is not JSON", status_code=response.status_code
        ) from error


def _log_retry(method: str, path: str, state: RetryCallState) -> None:
    """Say which request is retried, after what, and when; never its parameters."""
    error = state.outcome.exception() if state.outcome else None
    delay = state.next_action.sleep if state.next_action else 0.0
    logger.info(
        "nuvemshop %s %s: attempt %d after %s, in %.2f s",
        method,
        path,
        state.attempt_number + 1,
        type(error).__name__,
        delay,
    )


def _error_description(response: httpx.Response) -> str | None:
    """The API's `description` of an error (a string, or field errors as JSON).

    Some 422s are the field errors alone (`{"url": ["invalid url specified"]}`), which are
    then the description.
    """
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if not isinstance(body, dict):
        return None
    if response.status_code == 422 and not {"description", "message"} & body.keys():
        return json.dumps(body, ensure_ascii=False)
    description = body.get("description", body.get("message"))
    if description is None or isinstance(description, str):
        return description
    return json.dumps(description, ensure_ascii=False)
