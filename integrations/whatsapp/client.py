"""Async client for the WhatsApp Cloud API: send the agent's messages, mark them read.

Every call goes through `_request`, which turns Graph API failures into the typed errors of
`integrations.whatsapp.errors`. Sends are paced (`integrations.whatsapp.pacing`) and
retried with tenacity when the error says the same request may pass later: 429, 5xx,
throughput (130429) and pair rate (131056). Waits grow exponentially with full jitter,
follow `Retry-After` when Meta sends it, and after a 131056 grow fourfold as Meta advises.
Other 4xx are never retried: the same payload would fail the same way.

A send is not idempotent, so a request that may have reached Meta (a read timeout) is not
retried either: one lost reply is better than the same reply twice.

The access token lives only in the Authorization header. Logs name the operation, the
message kind, counts and Meta's error code; never the token, the recipient's number, the
text or WhatsApp message ids (a wamid encodes the recipient's number).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from integrations.closing import AsyncClosing
from integrations.whatsapp.errors import (
    NetworkError,
    PairRateLimitError,
    UnknownError,
    WhatsAppError,
    error_from_response,
)
from integrations.whatsapp.formatting import (
    DEFAULT_LANGUAGE,
    DEFAULT_LIST_BUTTON,
    OutgoingMessage,
    Payload,
    build_payloads,
)
from integrations.whatsapp.pacing import Pacer, Sleep

logger = logging.getLogger(__name__)

Json = dict[str, Any]


class WhatsAppClient(AsyncClosing):
    """Sends messages from one business phone number; one instance per number and process."""

    def __init__(
        self,
        *,
        access_token: str,
        phone_number_id: str,
        api_url: str = "https://graph.facebook.com",
        api_version: str = "v21.0",
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        pacer: Pacer | None = None,
        attempts: int = 4,
        backoff: float = 1.0,
        max_wait: float = 30.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        """Bind a connection pool to `{api_url}/{api_version}/{phone_number_id}`.

        Args:
            access_token: A system-user token with `whatsapp_business_messaging`.
            phone_number_id: The business number's id (not the phone number itself).
            api_url: The Graph API host; unused offline, where the transport answers.
            api_version: The Graph API version, such as `v21.0`.
            timeout: Seconds before a request is given up.
            transport: An httpx transport (a `MockTransport` for tests and the demo).
            pacer: Paces messages per user and per number; None sends at once.
            attempts: Tries per request, the first one included.
            backoff: Upper bound, in seconds, of the first random wait before a retry.
            max_wait: No wait before a retry is longer, whatever `Retry-After` says.
            sleep: How to wait between attempts (tests pass a recorder).
        """
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self._pacer = pacer
        self._attempts = attempts
        self._backoff = backoff
        self._max_wait = max_wait
        self._sleep = sleep
        self._http = graph_http(
            access_token, phone_number_id, api_url, api_version, timeout, transport
        )

    async def aclose(self) -> None:
        """Release the connection pool."""
        await self._http.aclose()

    async def send(self, to: str, message: OutgoingMessage | Mapping[str, Any]) -> list[str]:
        """Deliver one outgoing message, in as many WhatsApp messages as its limits need.

        Returns the WhatsApp message ids in sending order. Raises `ValueError` for a message
        that cannot be built and `WhatsAppError` when Meta refuses one part; the parts sent
        before it stay sent.
        """
        payloads = build_payloads(to, message)
        ids = []
        for payload in payloads:
            ids.append(await self.send_payload(to, payload))
        logger.info("whatsapp sent %s as %d message(s)", message.get("type"), len(ids))
        return ids

    async def send_text(self, to: str, text: str) -> list[str]:
        """Send text, split into several messages when it exceeds 4096 characters."""
        return await self.send(to, {"type": "text", "text": text})

    async def send_buttons(
        self, to: str, text: str, buttons: Sequence[Mapping[str, str]]
    ) -> list[str]:
        """Send text with up to 3 reply buttons ({'id', 'title'}); more become a list."""
        return await self.send(to, {"type": "buttons", "text": text, "buttons": list(buttons)})

    async def send_list(
        self,
        to: str,
        text: str,
        rows: Sequence[Mapping[str, str]],
        *,
        button: str = DEFAULT_LIST_BUTTON,
    ) -> list[str]:
        """Send a list of options ({'id', 'title', 'description'?}) behind a `button` label."""
        message = {"type": "list", "text": text, "rows": list(rows), "button": button}
        return await self.send(to, message)

    async def send_template(
        self,
        to: str,
        name: str,
        *,
        language: str = DEFAULT_LANGUAGE,
        parameters: Sequence[str] = (),
    ) -> list[str]:
        """Send an approved template, the only message allowed outside the 24 h window."""
        template = {"name": name, "language": language, "parameters": list(parameters)}
        return await self.send(to, {"type": "template", "template": template})

    async def upload_media(self, content: bytes, mime_type: str, filename: str) -> str:
        """Upload a photo or file for a later message; returns its media id (kept 30 days).

        Uploads are not retried: the same bytes can simply be sent again.
        """
        try:
            response = await self._http.post(
                "/media",
                data={"messaging_product": "whatsapp", "type": mime_type},
                files={"file": (filename, content, mime_type)},
            )
        except httpx.TransportError as error:
            logger.warning("whatsapp media upload: no answer (%s)", type(error).__name__)
            raise NetworkError("the Graph API did not answer", retryable=False) from error
        body = _json(response)
        if response.is_success and isinstance(body, dict) and isinstance(body.get("id"), str):
            return str(body["id"])
        raise error_from_response(response.status_code, body, retry_after=None)

    async def mark_read(self, message_id: str, *, typing: bool = True) -> None:
        """Mark a customer's message read and, with `typing`, show "typing…" for up to 25 s.

        Read receipts are a courtesy: this is never paced against the user's pair rate.
        """
        payload: Json = {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": message_id,
        }
        if typing:
            payload["typing_indicator"] = {"type": "text"}
        await self._request("POST", "/messages", payload, paced_for=None)

    async def send_payload(self, to: str, payload: Payload) -> str:
        """Send one Graph API message payload (see `build_payloads`) and return its id.

        Callers that must not resend parts already accepted send the parts one by one.
        """
        body = await self._request("POST", "/messages", payload, paced_for=to)
        messages = body.get("messages")
        if isinstance(messages, list) and messages and isinstance(messages[0], Mapping):
            message_id = messages[0].get("id")
            if isinstance(message_id, str):
                return message_id
        raise UnknownError("send answered without a message id", status=200)

    async def _request(
        self, method: str, path: str, payload: Json, *, paced_for: str | None
    ) -> Json:
        """Send one Graph API request, retried as the error allows; failures as typed errors."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._attempts),
            wait=self._wait,
            retry=retry_if_exception(lambda e: isinstance(e, WhatsAppError) and e.retryable),
            before_sleep=lambda state: _log_retry(path, payload, state),
            sleep=self._sleep,
            reraise=True,
        )
        body: Json = await retrying(self._attempt, method, path, payload, paced_for)
        return body

    async def _attempt(self, method: str, path: str, payload: Json, paced_for: str | None) -> Json:
        """Wait for a slot, send once, and map any failure to a `WhatsAppError`."""
        if paced_for is not None and self._pacer is not None:
            await self._pacer.wait(paced_for)
        kind = _kind(payload)
        try:
            response = await self._http.request(method, path, json=payload)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            logger.warning("whatsapp %s %s: no connection (%s)", kind, path, type(error).__name__)
            raise NetworkError("could not connect to the Graph API", retryable=True) from error
        except httpx.TransportError as error:
            logger.warning("whatsapp %s %s: no answer (%s)", kind, path, type(error).__name__)
            raise NetworkError("the Graph API did not answer", retryable=False) from error
        body = _json(response)
        if response.is_success and isinstance(body, dict):
            logger.debug("whatsapp %s %s -> %d", kind, path, response.status_code)
            return body
        refusal = error_from_response(
            response.status_code, body, retry_after=_retry_after(response.headers)
        )
        logger.warning(
            "whatsapp %s %s -> %d: %s code=%s subcode=%s fbtrace_id=%s",
            kind,
            path,
            response.status_code,
            type(refusal).__name__,
            refusal.code,
            refusal.subcode,
            refusal.fbtrace_id,
        )
        raise refusal

    def _wait(self, state: RetryCallState) -> float:
        """Seconds before the next attempt: `Retry-After`, else exponential with jitter.

        Full jitter spreads the retries of workers that failed together; after 131056 the
        bound grows fourfold per attempt, the backoff Meta asks for on pair rate errors.
        """
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, WhatsAppError) and error.retry_after is not None:
            return min(error.retry_after, self._max_wait)
        exponent = state.attempt_number - 1
        if isinstance(error, PairRateLimitError):
            bound = self._backoff * 4.0**exponent
            return min(bound * random.uniform(1.0, 1.25), self._max_wait)
        return random.uniform(0, min(self._backoff * 2.0**exponent, self._max_wait))


def graph_http(
    access_token: str,
    object_id: str,
    api_url: str,
    api_version: str,
    timeout: float,
    transport: httpx.AsyncBaseTransport | None,
) -> httpx.AsyncClient:
    """A connection pool for one Graph API object (a phone number, a business account)."""
    return httpx.AsyncClient(
        base_url=f"{api_url.rstrip('/')}/{api_version}/{object_id}",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=timeout,
        transport=transport,
    )


def _kind(payload: Mapping[str, Any]) -> str:
    """What a payload is, for logs: 'text', 'interactive', 'template' or 'read'."""
    if payload.get("status") == "read":
        return "read"
    return str(payload.get("type", "unknown"))


def _json(response: httpx.Response) -> Any:
    """The decoded body, or None when it is not JSON (a proxy's HTML error page)."""
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """`Retry-After` in seconds, given either as seconds or as an HTTP date."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _log_retry(path: str, payload: Mapping[str, Any], state: RetryCallState) -> None:
    """Say what is retried, after which error, and when; never to whom or what."""
    error = state.outcome.exception() if state.outcome else None
    delay = state.next_action.sleep if state.next_action else 0.0
    logger.info(
        "whatsapp %s %s: attempt %d after %s (code=%s), in %.2f s",
        _kind(payload),
        path,
        state.attempt_number + 1,
        type(error).__name__,
        getattr(error, "code", None),
        delay,
    )
