"""The offline Graph API's `/{waba-id}/message_templates`: list and create, as Meta checks.

Kept apart from `fake_graph`, which serves the phone number's `/messages`; `FakeGraphAPI`
hands template requests here. A created template starts PENDING, as Meta's review does;
`review` settles it (APPROVED or REJECTED) for tests and demos.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import httpx

_PATH = re.compile(r"^/v\d+\.\d+/(?P<account>[^/]+)/message_templates$")
_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
_PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")
CATEGORIES = frozenset({"UTILITY", "MARKETING", "AUTHENTICATION"})
_ids = itertools.count(7_000_000_000_001)


def handles(request: httpx.Request) -> bool:
    """Whether `request` is for the template endpoint."""
    return _PATH.match(request.url.path) is not None


def _error(status: int, code: int, message: str, subcode: int | None = None) -> httpx.Response:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    return httpx.Response(status, json={"error": error})


class FakeTemplates:
    """One business account's templates, in memory."""

    def __init__(self, *, access_token: str, business_account_id: str) -> None:
        """Accept `access_token` for `business_account_id` only."""
        self.access_token = access_token
        self.business_account_id = business_account_id
        self.templates: dict[tuple[str, str], dict[str, Any]] = {}

    def review(self, name: str, status: str = "APPROVED") -> None:
        """Settle Meta's review of every language of template `name`."""
        for (found, _), template in self.templates.items():
            if found == name:
                template["status"] = status

    async def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer a GET (list) or POST (create) on the account's templates."""
        match = _PATH.match(request.url.path)
        if match is None or match["account"] != self.business_account_id:
            return _error(400, 100, "Object does not exist or lacks permission", 33)
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            return _error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        if request.method == "GET":
            return httpx.Response(200, json={"data": list(self.templates.values()), "paging": {}})
        if request.method != "POST":
            return _error(400, 100, "Unsupported request method")
        await request.aread()
        try:
            body = json.loads(request.content)
        except ValueError:
            return _error(400, 100, "Invalid JSON")
        return self._create(body if isinstance(body, dict) else {})

    def _create(self, body: dict[str, Any]) -> httpx.Response:
        name, language = body.get("name"), body.get("language")
        if not isinstance(name, str) or not _NAME.match(name):
            return _error(400, 100, "Invalid parameter: name must be lowercase letters, digits, _")
        if not isinstance(language, str) or not language:
            return _error(400, 100, "Invalid parameter: language is required")
        if body.get("category") not in CATEGORIES:
            return _error(400, 100, "Invalid parameter: category")
        problem = _body_problem(body.get("components"))
        if problem:
            return _error(400, 100, f"Invalid parameter: {problem}")
        if (name, language) in self.templates:
            return _error(400, 100, "Message template already exists", 2388024)
        template = {
            "id": str(next(_ids)),
            "name": name,
            "language": language,
            "category": body["category"],
            "status": "PENDING",
            "components": body["components"],
        }
        self.templates[(name, language)] = template
        return httpx.Response(
            200, json={"id": template["id"], "status": "PENDING", "category": body["category"]}
        )


def _body_problem(components: Any) -> str | None:
    """Why a template's components would be refused (a BODY with examples for its variables)."""
    if not isinstance(components, list):
        return "components must be a list"
    bodies = [c for c in components if isinstance(c, dict) and c.get("type") == "BODY"]
    if len(bodies) != 1 or not isinstance(bodies[0].get("text"), str):
        return "exactly one BODY component with text is required"
    text: str = bodies[0]["text"]
    numbers = sorted({int(n) for n in _PLACEHOLDER.findall(text)})
    if numbers != list(range(1, len(numbers) + 1)):
        return "variables must be {{1}}, {{2}}... in sequence"
    if numbers:
        examples = (bodies[0].get("example") or {}).get("body_text")
        if not (isinstance(examples, list) and examples and len(examples[0]) == len(numbers)):
            return "an example value is required for every variable"
    return None
