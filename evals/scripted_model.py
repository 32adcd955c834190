"""An OpenAI-compatible chat-completions server that answers from a script, offline.

Tests, the LLM benchmark and eval runs drive the real `ChatOpenAI` client against it
through `httpx.ASGITransport`, so every byte the client parses has the shape OpenAI's API
returns: completions, tool calls, JSON-schema outputs, SSE streams, 429 and 5xx errors.

Scripted steps are served first, in order; when the script is empty the stand-in policy
answers the way a careful model would, from the same prompts the brain sends: it
classifies with the rules, calls the tool the request's intent needs, and rewords the
draft by keeping it. Every request body is kept in `requests` for assertions.

Audio transcription (`/v1/audio/transcriptions`, a multipart form) has a script of its own,
`transcriptions`; past it, the stand-in hears an audio file's bytes as UTF-8 words, so a
test records a voice note by writing what it says. Each form is kept in `audio_requests`.

It passes 300 lines because it serves the whole surface the client uses (chat completions,
structured output, tool calls, streaming, transcription and scripted failures) in one ASGI
app.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from agent.brains.rules.complaints import says_not_received, says_paid
from agent.intents import INTENT_SPECS, planned_call
from agent.language.classifier import classify
from integrations.whatsapp.fake_media import multipart_fields

Json = dict[str, Any]

BASE_URL = "http://scripted-model/v1"
"""Where the client is pointed; the host never resolves, the transport answers."""

_FACTS = re.compile(r"```json\n(?P<facts>.*?)\n```", re.DOTALL)
_DRAFT = re.compile(r"<<<DRAFT\n(?P<draft>.*?)\nDRAFT>>>", re.DOTALL)


@dataclass(frozen=True, slots=True)
class ToolCallStep:
    """One tool call of a scripted reply; `raw_arguments` sends broken JSON on purpose."""

    name: str
    args: Json = field(default_factory=dict)
    raw_arguments: str | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """A scripted completion: text, tool calls or a JSON object for structured output."""

    content: str | None = None
    tool_calls: tuple[ToolCallStep, ...] = ()
    json_output: Json | None = None
    delay_seconds: float = 0.0
    """Wait before answering, to exercise client timeouts."""
    chunk_delay_seconds: float = 0.0
    """For streamed requests: wait between chunks, to exercise slow streams."""


@dataclass(frozen=True, slots=True)
class Failure:
    """A scripted HTTP error with OpenAI's error body."""

    status: int
    code: str = "server_error"
    message: str = "The server had an error while processing your request."


Step = Reply | Failure


@dataclass(frozen=True, slots=True)
class Transcript:
    """A scripted transcription: the words the server says it heard."""

    text: str


def _approx_tokens(value: Any) -> int:
    """A deterministic token estimate (4 characters a token), enough for accounting tests."""
    return max(1, len(json.dumps(value, ensure_ascii=False)) // 4)


def _text(message: Json) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content or "")


def _system_text(body: Json) -> str:
    return "\n".join(_text(m) for m in body.get("messages", []) if m.get("role") == "system")


def _last_user_index(messages: list[Json]) -> int:
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].get("role") == "user":
            return index
    return -1


def _classification(body: Json) -> Json:
    """What a model would answer to the classification prompt, read by the rules."""
    messages = body.get("messages", [])
    text = _text(messages[_last_user_index(messages)]) if messages else ""
    system = _system_text(body)
    awaiting = None
    if "asked for the order number" in system:
        awaiting = "order_number"
    elif "e-mail or CPF" in system and "Our last message" in system:
        awaiting = "identity"
    understanding = classify(text, awaiting=awaiting)
    entities = understanding.entities
    return {
        "intent": understanding.intent,
        "intents": list(understanding.intents or [understanding.intent]),
        "order_number": entities.get("order_number"),
        "tracking_code": entities.get("tracking_code"),
        "email": entities.get("email"),
        "cpf": entities.get("cpf"),
        "confidence": max(understanding.confidence, 0.6),
        "problem": understanding.problem,
        "upset": understanding.upset,
    }


def _planned_call(intent: str, request: Json, said: str) -> ToolCallStep | None:
    """The call the intent's spec plans for the request, as a careful model would make it."""
    known = next((name for name in INTENT_SPECS if name == intent), None)
    if known is None:
        return None
    planned = planned_call(
        known, request.get("order_number"), request.get("tracking_code"), question=said
    )
    return ToolCallStep(*planned) if planned else None


def _tool_choice(body: Json) -> Reply:
    """Call the tools the request's intents need, with the flags their docstrings ask for."""
    messages = body.get("messages", [])
    after_user = messages[_last_user_index(messages) + 1 :]
    if any(m.get("role") == "tool" for m in after_user):
        return Reply(content="")
    match = _FACTS.search(_system_text(body))
    facts = json.loads(match.group("facts")) if match else {}
    request = facts.get("request") or {}
    offered = {t["function"]["name"] for t in body.get("tools", [])}
    said = _text(messages[_last_user_index(messages)]) if messages else ""
    calls: list[ToolCallStep] = []
    for intent in request.get("intents") or []:
        step = _planned_call(intent, request, said)
        if step is None or step.name not in offered:
            continue
        if step.name in ("track_order", "track_package") and says_not_received(said):
            step.args["customer_says_not_received"] = True
        if step.name == "get_payment_info" and says_paid(said):
            step.args["customer_says_paid"] = True
        calls.append(step)
    return Reply(content="", tool_calls=tuple(calls))


def wants_structured_output(body: Json) -> bool:
    """Whether a request asks for JSON (the brain's classification, or a judge's verdict)."""
    response_format = body.get("response_format")
    return isinstance(response_format, dict) and response_format.get("type") in (
        "json_schema",
        "json_object",
    )


def stand_in_policy(body: Json) -> Reply:
    """Answer like a careful model: classify, call the needed tool, keep the draft's words."""
    if wants_structured_output(body):
        return Reply(json_output=_classification(body))
    if body.get("tools"):
        return _tool_choice(body)
    draft = _DRAFT.search(_system_text(body))
    return Reply(content=draft.group("draft") if draft else "Como posso te ajudar?")


class ScriptedModel:
    """The fake server: a script of steps, then the stand-in policy."""

    def __init__(self, script: Iterable[Step] = (), *, model: str = "gpt-4o") -> None:
        """Serve `script` first, in order; `model` is echoed in every completion."""
        self.script: deque[Step] = deque(script)
        self.transcriptions: deque[Transcript | Failure] = deque()
        self.audio_requests: list[Json] = []
        self.requests: list[Json] = []
        self.paths: list[str] = []
        self.model = model
        self.billed_prompt_tokens = 0
        self.billed_completion_tokens = 0
        self._ids = itertools.count(1)
        self.app = self._build_app()

    def add(self, *steps: Step) -> None:
        """Append steps to the script."""
        self.script.extend(steps)

    def transport(self) -> httpx.ASGITransport:
        """An httpx transport that delivers requests to this server in-process."""
        return httpx.ASGITransport(app=self.app)

    def client(self) -> httpx.AsyncClient:
        """An async client for `ChatOpenAI(http_async_client=...)`."""
        return httpx.AsyncClient(transport=self.transport(), base_url=BASE_URL)

    def _build_app(self) -> FastAPI:
        app = FastAPI(title="Scripted OpenAI-compatible model", docs_url=None, redoc_url=None)

        async def complete(request: Request) -> Response:
            body: Json = await request.json()
            self.requests.append(body)
            self.paths.append(request.url.path)
            step = self.script.popleft() if self.script else stand_in_policy(body)
            if isinstance(step, Failure):
                return self._failure(step)
            if step.delay_seconds:
                await asyncio.sleep(step.delay_seconds)
            if body.get("stream"):
                return StreamingResponse(self._chunks(body, step), media_type="text/event-stream")
            return JSONResponse(self._completion(body, step))

        async def transcribe(request: Request) -> Response:
            form = multipart_fields(request.headers.get("content-type", ""), await request.body())
            filename, audio = form.get("file", (None, b""))
            fields = {k: v.decode() for k, (_, v) in form.items() if k != "file"}
            self.audio_requests.append({**fields, "filename": filename, "bytes": len(audio)})
            self.paths.append(request.url.path)
            step = self.transcriptions.popleft() if self.transcriptions else None
            if isinstance(step, Failure):
                return self._failure(step)
            heard = step.text if step else audio.decode("utf-8", errors="replace")
            return JSONResponse({"text": heard, "usage": {"type": "duration", "seconds": 3}})

        app.add_api_route("/v1/audio/transcriptions", transcribe, methods=["POST"])
        app.add_api_route("/audio/transcriptions", transcribe, methods=["POST"])
        app.add_api_route(
            "/openai/deployments/{deployment}/audio/transcriptions", transcribe, methods=["POST"]
        )
        app.add_api_route("/v1/chat/completions", complete, methods=["POST"])
        app.add_api_route("/chat/completions", complete, methods=["POST"])
        app.add_api_route(
            "/openai/deployments/{deployment}/chat/completions", complete, methods=["POST"]
        )
        return app

    @staticmethod
    def _failure(step: Failure) -> Response:
        kind = "requests" if step.status == 429 else "server_error"
        return JSONResponse(
            {"error": {"message": step.message, "type": kind, "param": None, "code": step.code}},
            status_code=step.status,
            headers={"retry-after-ms": "5"},
        )

    def _message(self, step: Reply) -> Json:
        content = step.content
        if step.json_output is not None:
            content = json.dumps(step.json_output, ensure_ascii=False)
        message: Json = {"role": "assistant", "content": content, "refusal": None}
        if step.tool_calls:
            message["tool_calls"] = [
                {
                    "id": f"call_{next(self._ids):06d}",
                    "type": "function",
                    "function": {
                        "name": call.name,
                        "arguments": call.raw_arguments
                        if call.raw_arguments is not None
                        else json.dumps(call.args, ensure_ascii=False),
                    },
                }
                for call in step.tool_calls
            ]
            if not content:
                message["content"] = None
        return message

    def _completion(self, body: Json, step: Reply) -> Json:
        message = self._message(step)
        prompt = _approx_tokens(body.get("messages", [])) + _approx_tokens(body.get("tools", []))
        completion = _approx_tokens(message)
        self.billed_prompt_tokens += prompt
        self.billed_completion_tokens += completion
        return {
            "id": f"chatcmpl-{next(self._ids):08d}",
            "object": "chat.completion",
            "created": 1_764_000_000,
            "model": body.get("model") or self.model,
            "system_fingerprint": "fp_scripted",
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": "tool_calls" if step.tool_calls else "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        }

    async def _chunks(self, body: Json, step: Reply) -> AsyncIterator[bytes]:
        """The completion as `chat.completion.chunk` SSE events, text split in pieces."""
        completion = self._completion(body, step)
        base = {k: completion[k] for k in ("id", "created", "model", "system_fingerprint")}
        message = completion["choices"][0]["message"]
        text = message.get("content") or ""
        pieces = [text[i : i + 16] for i in range(0, len(text), 16)] or [""]
        first = True
        for piece in pieces:
            delta: Json = {"content": piece}
            if first:
                delta["role"] = "assistant"
                first = False
            yield _event(
                {
                    **base,
                    "object": "chat.completion.chunk",
                    "choices": [
                        {"index": 0, "delta": delta, "logprobs": None, "finish_reason": None}
                    ],
                }
            )
            if step.chunk_delay_seconds:
                await asyncio.sleep(step.chunk_delay_seconds)
        for index, call in enumerate(message.get("tool_calls") or []):
            yield _event(
                {
                    **base,
                    "object": "chat.completion.chunk",
                    "choices": [
                        {
                            "index": 0,
                            "delta": {"tool_calls": [{"index": index, **call}]},
                            "logprobs": None,
                            "finish_reason": None,
                        }
                    ],
                }
            )
        finish = completion["choices"][0]["finish_reason"]
        yield _event(
            {
                **base,
                "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": finish}],
            }
        )
        yield _event(
            {**base, "object": "chat.completion.chunk", "choices": [], "usage": completion["usage"]}
        )
        yield b"data: [DONE]\n\n"


def _event(payload: Json) -> bytes:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()
