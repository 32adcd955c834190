"""An offline WhatsApp Cloud API that checks requests the way Meta does, for tests and demos.

`FakeGraphAPI.handle` is an `httpx.MockTransport` handler: the real `WhatsAppClient` talks
to it unchanged. It refuses what Meta refuses, with Meta's error JSON (token, path,
`messaging_product`, text and interactive limits, templates), answers accepted messages
with Meta's success shape, and records them per recipient, in memory and, when given a
Redis client, under `{prefix}:fake-graph:{recipient}` so another process (the dev
playground page) can show the conversation. `fail_next` scripts failures (a 500, a
130429...) to exercise retries, and `close_window` makes a recipient's 24 h window closed.

Real Cloud API often accepts a free-form message outside the window and reports 131047 in
a status webhook; the fake refuses it at once, which gives tests the same typed error.

It passes 300 lines because it checks what Meta checks, each refusal with Meta's own
error code and text, and keeps them in one place a reader can compare with the docs.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from redis.exceptions import RedisError

from integrations.redis.client import RedisClient
from integrations.whatsapp import fake_media, fake_templates
from integrations.whatsapp import formatting as limits
from integrations.whatsapp.fake_media import FakeMedia
from integrations.whatsapp.fake_templates import FakeTemplates

_TITLES = {
    4: "Application request limit reached",
    100: "Invalid parameter",
    131000: "Something went wrong",
    131008: "Required parameter is missing",
    131009: "Parameter value is not valid",
    131026: "Message undeliverable",
    131047: "Re-engagement message",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    130429: "Rate limit hit",
    132001: "Template name does not exist in the translation",
    80007: "Rate limit issues",
}
_PATH = re.compile(r"^/v\d+\.\d+/(?P<number>[^/]+)/messages$")
_RECIPIENT = re.compile(r"^\+?\d{8,15}$")


@dataclass
class GraphRefusal(Exception):
    """A request the fake refuses, with the HTTP status and Meta code it answers with."""

    status: int
    code: int
    details: str
    subcode: int | None = None


@dataclass(frozen=True, slots=True)
class SentMessage:
    """One message the fake accepted."""

    id: str
    recipient: str
    payload: dict[str, Any]


@dataclass(slots=True)
class _Failure:
    """A scripted failure, answered `times` more times before requests pass again."""

    status: int
    code: int
    times: int
    retry_after: float | None


class FakeGraphAPI:
    """Meta's messages endpoint for one business number, in memory (and optionally Redis)."""

    def __init__(
        self,
        *,
        access_token: str = "fake-whatsapp-token",
        phone_number_id: str = "100000000000001",
        redis: RedisClient | None = None,
        prefix: str | None = None,
        keep: int = 200,
        business_account_id: str = "102290129340398",
    ) -> None:
        """Accept only `access_token` for `phone_number_id`; record into Redis when given."""
        if (redis is None) != (prefix is None):
            raise ValueError("recording into Redis needs both a client and a key prefix")
        self.access_token = access_token
        self.phone_number_id = phone_number_id
        self.sent: dict[str, list[SentMessage]] = defaultdict(list)
        self.reads: list[dict[str, Any]] = []
        self.requests = 0
        self._redis = redis
        self._prefix = prefix
        self._keep = keep
        self._failures: list[_Failure] = []
        self._closed_windows: set[str] = set()
        self.message_templates = FakeTemplates(
            access_token=access_token, business_account_id=business_account_id
        )
        """The business account's templates (`/{waba-id}/message_templates`)."""
        self.media = FakeMedia(access_token=access_token, phone_number_id=phone_number_id)
        """The number's uploaded photos and files (`/{phone-number-id}/media`)."""

    def transport(self) -> httpx.MockTransport:
        """A transport to give `WhatsAppClient(transport=...)`."""
        return httpx.MockTransport(self.handle)

    def messages(self, recipient: str) -> list[SentMessage]:
        """Everything accepted for `recipient`, in order."""
        return list(self.sent.get(recipient, []))

    def fail_next(
        self, status: int, error_code: int, times: int = 1, *, retry_after: float | None = None
    ) -> None:
        """Answer the next `times` authorized requests with this Meta error."""
        self._failures.append(_Failure(status, error_code, times, retry_after))

    def close_window(self, recipient: str) -> None:
        """Refuse free-form messages to `recipient` with 131047, as outside the 24 h window."""
        self._closed_windows.add(recipient)

    def open_window(self, recipient: str) -> None:
        """Let free-form messages reach `recipient` again (the customer wrote)."""
        self._closed_windows.discard(recipient)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one Graph API request as Meta would."""
        self.requests += 1
        if fake_templates.handles(request):
            return await self.message_templates.handle(request)
        if fake_media.handles(request):
            return await self.media.handle(request)
        await request.aread()
        try:
            body = self._authorize(request)
            failure = self._scripted_failure()
            if failure is not None:
                return failure
            return await self._accept(_payload(body))
        except GraphRefusal as refusal:
            return _error_response(refusal.status, refusal.code, refusal.details, refusal.subcode)

    def _authorize(self, request: httpx.Request) -> bytes:
        """Check the path, number and token before anything else, as Graph API does."""
        match = _PATH.match(request.url.path)
        if request.method != "POST" or match is None:
            raise GraphRefusal(400, 100, "Unknown path components", subcode=2500)
        if match["number"] != self.phone_number_id:
            raise GraphRefusal(400, 100, "Object does not exist or lacks permission", subcode=33)
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            raise GraphRefusal(401, 190, "Invalid OAuth access token - Cannot parse access token")
        return request.content

    def _scripted_failure(self) -> httpx.Response | None:
        """The next scripted failure, if one is pending."""
        if not self._failures:
            return None
        failure = self._failures[0]
        failure.times -= 1
        if failure.times <= 0:
            self._failures.pop(0)
        headers = {} if failure.retry_after is None else {"Retry-After": f"{failure.retry_after}"}
        details = _TITLES.get(failure.code, "Scripted failure")
        return _error_response(failure.status, failure.code, details, headers=headers)

    async def _accept(self, body: dict[str, Any]) -> httpx.Response:
        """Validate a message or read receipt, record it, and answer Meta's success shape."""
        if body.get("messaging_product") != "whatsapp":
            raise GraphRefusal(400, 100, "The parameter messaging_product is required.")
        if body.get("status") == "read":
            _check_read(body)
            self.reads.append(body)
            return httpx.Response(200, json={"success": True})
        to = body.get("to")
        if not isinstance(to, str) or not to:
            raise GraphRefusal(400, 131008, "The parameter to is required.")
        if not _RECIPIENT.match(to):
            raise GraphRefusal(400, 100, "Invalid parameter: to must be a phone number")
        _check_message(body)
        kind = body["type"]
        if kind in ("image", "document") and body[kind].get("id") not in self.media.uploads:
            raise GraphRefusal(400, 131053, "Media upload error: unknown media id")
        if kind != "template" and to in self._closed_windows:
            raise GraphRefusal(
                400, 131047, "Message failed to send because more than 24 hours have passed"
            )
        message = SentMessage(id=_wamid(), recipient=to, payload=body)
        try:
            await self._record(message)
        except (RedisError, OSError):
            # Not recorded means not accepted: the sender retries, as after Meta's own 500.
            raise GraphRefusal(500, 131000, "Something went wrong") from None
        self.sent[to].append(message)
        answer: dict[str, Any] = {"id": message.id}
        if body["type"] == "template":
            answer["message_status"] = "accepted"
        contact = {"input": to, "wa_id": to.lstrip("+")}
        return httpx.Response(
            200, json={"messaging_product": "whatsapp", "contacts": [contact], "messages": [answer]}
        )

    async def _record(self, message: SentMessage) -> None:
        """Append to the recipient's Redis list, trimmed, for the playground page."""
        if self._redis is None:
            return
        key = recording_key(str(self._prefix), message.recipient)
        entry = {"id": message.id, "at": time.time(), "payload": message.payload}
        pipe = self._redis.pipeline(transaction=False)
        pipe.rpush(key, json.dumps(entry, ensure_ascii=False))
        pipe.ltrim(key, -self._keep, -1)
        pipe.expire(key, 24 * 3600)
        await pipe.execute()


def recording_key(prefix: str, recipient: str) -> str:
    """Where `FakeGraphAPI` records the messages it accepted for `recipient`."""
    return f"{prefix}:fake-graph:{recipient}"


async def recorded_messages(
    redis: RedisClient, prefix: str, recipient: str
) -> list[dict[str, Any]]:
    """What a `FakeGraphAPI` recording into Redis accepted for `recipient`, oldest first."""
    entries = await redis.lrange(recording_key(prefix, recipient), 0, -1)
    return [json.loads(entry) for entry in entries]


def _payload(content: bytes) -> dict[str, Any]:
    """The request's JSON object, or Meta's refusal of a body it cannot parse."""
    try:
        body = json.loads(content or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise GraphRefusal(400, 100, "Invalid JSON in the request body") from error
    if not isinstance(body, dict):
        raise GraphRefusal(400, 100, "The request body must be a JSON object")
    return body


def _check_read(body: Mapping[str, Any]) -> None:
    """A read receipt names the message; a typing indicator can only be of type text."""
    if not isinstance(body.get("message_id"), str) or not body["message_id"]:
        raise GraphRefusal(400, 131008, "The parameter message_id is required.")
    typing = body.get("typing_indicator")
    if typing is not None and (not isinstance(typing, Mapping) or typing.get("type") != "text"):
        raise GraphRefusal(400, 131009, "typing_indicator.type must be text")


def _check_message(body: Mapping[str, Any]) -> None:
    """Meta's limits for the message types the agent sends."""
    callback = body.get("biz_opaque_callback_data")
    if callback is not None:
        _length(callback, 512, "biz_opaque_callback_data", code=100)
    kind = body.get("type")
    if kind == "text":
        text = _object(body, "text")
        _length(text.get("body"), limits.TEXT_LIMIT, "text['body']", code=100)
    elif kind == "interactive":
        _check_interactive(_object(body, "interactive"))
    elif kind in ("image", "document"):
        media = _object(body, kind)
        if "caption" in media:
            _length(media["caption"], limits.CAPTION_LIMIT, "caption", code=100)
    elif kind == "template":
        template = _object(body, "template")
        if not template.get("name") or not _object(template, "language").get("code"):
            raise GraphRefusal(400, 131008, "template name and language.code are required")
    else:
        raise GraphRefusal(400, 131051, f"Unsupported message type: {kind}")


def _check_interactive(interactive: Mapping[str, Any]) -> None:
    """Reply buttons and lists, with the limits of each element."""
    _length(_object(interactive, "body").get("text"), limits.INTERACTIVE_BODY_LIMIT, "body.text")
    action = _object(interactive, "action")
    if interactive.get("type") == "button":
        buttons = action.get("buttons")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= limits.MAX_BUTTONS:
            raise GraphRefusal(400, 131009, "buttons: must have between 1 and 3 elements")
        replies = [_object(b, "reply") for b in buttons]
        for reply in replies:
            _length(reply.get("title"), limits.BUTTON_TITLE_LIMIT, "Button title")
            _length(reply.get("id"), limits.BUTTON_ID_LIMIT, "Button id")
        _distinct([r["id"] for r in replies], "Button id")
        _distinct([r["title"] for r in replies], "Button title")
    elif interactive.get("type") == "list":
        _length(action.get("button"), limits.LIST_BUTTON_LIMIT, "action.button")
        sections = action.get("sections")
        if not isinstance(sections, list) or not sections:
            raise GraphRefusal(400, 131009, "sections: must have at least 1 element")
        rows = [row for section in sections for row in _object(section, "rows", list)]
        if not 1 <= len(rows) <= limits.MAX_ROWS:
            raise GraphRefusal(400, 131009, "Total row count exceed max allowed count: 10")
        for row in rows:
            _length(row.get("title"), limits.ROW_TITLE_LIMIT, "Row title")
            _length(row.get("id"), limits.ROW_ID_LIMIT, "Row id")
            if "description" in row:
                _length(row["description"], limits.ROW_DESCRIPTION_LIMIT, "Row description")
        _distinct([row["id"] for row in rows], "Row id")
    else:
        raise GraphRefusal(400, 131009, f"Unsupported interactive type: {interactive.get('type')}")


def _object(parent: Any, name: str, kind: type = dict) -> Any:
    """A required member of the given JSON type, or Meta's "required parameter" refusal."""
    value = parent.get(name) if isinstance(parent, Mapping) else None
    if not isinstance(value, kind):
        raise GraphRefusal(400, 131008, f"The parameter {name} is required.")
    return value


def _length(value: Any, limit: int, name: str, *, code: int = 131009) -> None:
    """Meta's length rule: a non-empty string of at most `limit` characters."""
    if not isinstance(value, str) or not 1 <= len(value) <= limit:
        size = len(value) if isinstance(value, str) else 0
        raise GraphRefusal(
            400, code, f"{name} length invalid. Was {size}, Min length: 1, Max length: {limit}"
        )


def _distinct(values: list[Any], name: str) -> None:
    """Meta refuses two buttons or rows that share an id (or two buttons a title)."""
    if len(set(values)) != len(values):
        raise GraphRefusal(400, 131009, f"{name} is duplicate")


def _wamid() -> str:
    """A message id shaped like Meta's, random rather than derived from the recipient."""
    return "wamid." + secrets.token_urlsafe(36)


def _error_response(
    status: int,
    code: int,
    details: str,
    subcode: int | None = None,
    *,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """Meta's error JSON: message "(#code) title", OAuthException, details, fbtrace_id."""
    title = _TITLES.get(code, "Invalid OAuth access token" if code == 190 else "Error")
    error: dict[str, Any] = {
        "message": details if code == 190 else f"(#{code}) {title}",
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": details},
        "fbtrace_id": secrets.token_urlsafe(16),
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return httpx.Response(status, json={"error": error}, headers=headers)
