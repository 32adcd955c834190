"""Record and replay of model calls, so a run made once with a key can be scored offline.

A cassette is a JSON file of the HTTP exchanges between the `ChatOpenAI` client and the
model server. In `record` mode the transport forwards each request to the real server and
keeps the request and the response; in `replay` mode it answers from the file and never
opens a connection. A replayed run gets byte-identical responses, so it reaches exactly
the scores of the recorded one, as long as the requests (prompts, tools, model) are the
same: the eval fixtures pin every dialogue's clock for that reason.

vcrpy and pytest-recording do this for `requests` and for httpx in tests, but they patch
the client globally, match on loose request properties and cannot report misses as data;
here the transport is handed to our own client explicitly, a request is matched by its
exact body, and a request missing from the cassette is answered with an error the brain
sees as a failed call (no retry, no network) and is counted, so the run can be failed with
the list of what was missing.

Requests are matched on method, URL path and body, never on the host or the headers: the
API key stays out of the file, and a run recorded against OpenAI replays without any
model configured. The same request may be sent more than once (several trials, or two
dialogues asking the same thing); its responses are replayed in the order they were
recorded.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import httpx

CASSETTE_FORMAT = "atendente-llm-cassette/1"
CassetteMode = Literal["record", "replay"]
MISS_STATUS = 400
"""The status a miss is answered with: a client error, which the OpenAI SDK never retries."""
_KEPT_RESPONSE_HEADERS = ("content-type",)


class CassetteError(ValueError):
    """A cassette file that cannot be read or used, with the reason."""


@dataclass(frozen=True, slots=True)
class Exchange:
    """One recorded request and the response it got."""

    method: str
    path: str
    body: Any
    status: int
    headers: dict[str, str]
    response: str

    @property
    def key(self) -> str:
        """What a replayed request must match."""
        return request_key(self.method, self.path, self.body)

    def as_json(self) -> dict[str, Any]:
        """The exchange as stored in the file."""
        return {
            "request": {"method": self.method, "path": self.path, "body": self.body},
            "response": {"status": self.status, "headers": self.headers, "body": self.response},
        }


def request_key(method: str, path: str, body: Any) -> str:
    """A digest of the request's method, path and canonical JSON body."""
    canonical = json.dumps(
        {"method": method.upper(), "path": path, "body": body},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _parsed_body(content: bytes) -> Any:
    """The request body as JSON when it is JSON (so the file stays readable), else text."""
    text = content.decode("utf-8", errors="replace")
    try:
        return json.loads(text) if text else None
    except json.JSONDecodeError:
        return text


def _exchange(raw: Any, position: int) -> Exchange:
    try:
        request, response = raw["request"], raw["response"]
        return Exchange(
            method=str(request["method"]),
            path=str(request["path"]),
            body=request.get("body"),
            status=int(response["status"]),
            headers={str(k): str(v) for k, v in dict(response.get("headers") or {}).items()},
            response=str(response["body"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise CassetteError(f"exchange {position} is malformed: {error!r}") from None


@dataclass(slots=True)
class Cassette:
    """The exchanges of one run, with the run's description for the people who replay it."""

    exchanges: list[Exchange] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        """The number of recorded exchanges."""
        return len(self.exchanges)

    @classmethod
    def load(cls, path: Path) -> Cassette:
        """Read a cassette file.

        Raises:
            CassetteError: The file is missing, is not JSON or is not a cassette.
        """
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CassetteError(
                f"{path}: no such cassette; record one with --llm-mode record"
            ) from None
        except (OSError, json.JSONDecodeError) as error:
            raise CassetteError(f"{path}: cannot read the cassette: {error}") from None
        if not isinstance(document, dict) or document.get("format") != CASSETTE_FORMAT:
            raise CassetteError(f"{path}: not a cassette (expected format {CASSETTE_FORMAT!r})")
        raw = document.get("exchanges")
        if not isinstance(raw, list):
            raise CassetteError(f"{path}: 'exchanges' must be a list")
        exchanges = [_exchange(item, position) for position, item in enumerate(raw)]
        return cls(exchanges=exchanges, meta=dict(document.get("meta") or {}))

    def save(self, path: Path) -> None:
        """Write the cassette (its directory is created if needed)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "format": CASSETTE_FORMAT,
            "meta": self.meta,
            "exchanges": [exchange.as_json() for exchange in self.exchanges],
        }
        path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", "utf-8")


@dataclass(frozen=True, slots=True)
class Miss:
    """A request replay mode could not answer."""

    method: str
    path: str
    model: str | None
    key: str

    def describe(self) -> str:
        """One line for the error message."""
        return f"{self.method} {self.path} (model {self.model or '?'}, key {self.key[:12]})"


class CassetteTransport(httpx.AsyncBaseTransport):
    """An httpx transport that records exchanges through `inner`, or replays them."""

    def __init__(
        self,
        cassette: Cassette,
        mode: CassetteMode,
        *,
        inner: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """Record through `inner` (default: the network) or replay from `cassette`."""
        self.cassette = cassette
        self.mode = mode
        self.misses: list[Miss] = []
        self._owns_inner = inner is None and mode == "record"
        self._inner = httpx.AsyncHTTPTransport() if self._owns_inner else inner
        self._queues: dict[str, list[Exchange]] = defaultdict(list)
        for exchange in cassette.exchanges:
            self._queues[exchange.key].append(exchange)
        self._served: dict[str, int] = defaultdict(int)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Answer from the cassette, or forward and keep the exchange."""
        body = _parsed_body(await request.aread())
        key = request_key(request.method, request.url.path, body)
        if self.mode == "replay":
            return self._replay(request, body, key)
        assert self._inner is not None
        response = await self._inner.handle_async_request(request)
        content = await response.aread()
        headers = {
            name: response.headers[name]
            for name in _KEPT_RESPONSE_HEADERS
            if name in response.headers
        }
        text = content.decode("utf-8", errors="replace")
        self.cassette.exchanges.append(
            Exchange(request.method, request.url.path, body, response.status_code, headers, text)
        )
        return httpx.Response(
            response.status_code, headers=headers, content=content, request=request
        )

    def _replay(self, request: httpx.Request, body: Any, key: str) -> httpx.Response:
        recorded = self._queues.get(key, [])
        served = self._served[key]
        if served >= len(recorded):
            model = body.get("model") if isinstance(body, dict) else None
            self.misses.append(Miss(request.method, request.url.path, model, key))
            error = {
                "error": {
                    "message": "request not in the LLM cassette (replay mode makes no calls)",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "cassette_miss",
                }
            }
            return httpx.Response(MISS_STATUS, json=error, request=request)
        self._served[key] = served + 1
        exchange = recorded[served]
        return httpx.Response(
            exchange.status,
            headers=exchange.headers,
            content=exchange.response.encode("utf-8"),
            request=request,
        )

    async def aclose(self) -> None:
        """Close the network transport this one opened."""
        if self._owns_inner and self._inner is not None:
            await self._inner.aclose()


def recording_meta(*, brain: str, model: str | None, dataset: str) -> dict[str, Any]:
    """What a cassette says about the run that recorded it."""
    return {
        "brain": brain,
        "model": model,
        "dataset": dataset,
        "recorded_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
    }
