"""The WhatsApp templates the proactive notices use, kept as files beside the code.

Outside the customer's 24 h window WhatsApp carries only templates Meta has approved, so
each notice kind (`tools.automations`) has one: its name, language, category and body with
`{{n}}` placeholders, in `tools/message_templates/*.json`. `atendente templates sync`
creates the missing ones in the WhatsApp Business Account and reports the rest; a test
checks that each body takes exactly the parameters the notice sends.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from importlib.resources import files
from typing import Any, Protocol

_PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")


@dataclass(frozen=True, slots=True)
class NoticeTemplate:
    """One approved-message template, as Meta's `message_templates` endpoint takes it."""

    name: str
    notice: str
    """The notice kind that sends it (`order_paid`, `order_shipped`, `order_cancelled`)."""
    language: str
    category: str
    body: str
    examples: tuple[str, ...]

    @property
    def parameters(self) -> int:
        """How many `{{n}}` the body takes."""
        return len(set(_PLACEHOLDER.findall(self.body)))

    def request(self) -> dict[str, Any]:
        """The body of Graph API's POST /{waba-id}/message_templates."""
        body: dict[str, Any] = {"type": "BODY", "text": self.body}
        if self.examples:
            body["example"] = {"body_text": [list(self.examples)]}
        return {
            "name": self.name,
            "language": self.language,
            "category": self.category,
            "components": [body],
        }


def notice_templates() -> list[NoticeTemplate]:
    """Every notice's template file shipped with the project, by name."""
    return _templates_in("message_templates")


def staff_templates() -> list[NoticeTemplate]:
    """The templates staff send from the inbox once the customer's 24 h window has closed.

    Their parameters are, in order, the agent's name and the ticket id.
    """
    return _templates_in("message_templates/staff")


def _templates_in(folder_name: str) -> list[NoticeTemplate]:
    folder = files("tools").joinpath(folder_name)
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            data = json.loads(entry.read_text(encoding="utf-8"))
            data["examples"] = tuple(data.get("examples", ()))
            found.append(NoticeTemplate(**data))
    return found


@dataclass(frozen=True, slots=True)
class SyncRow:
    """What `sync_templates` found or did for one template."""

    name: str
    language: str
    status: str
    """Meta's review status (PENDING, APPROVED, REJECTED, PAUSED...)."""
    created: bool
    differs: bool
    """The account's template has another body than the file: edit it in Meta's manager
    (an approved template is not overwritten from here)."""


class TemplateAccount(Protocol):
    """What syncing needs of a business account (`TemplateClient`)."""

    async def existing(self) -> list[dict[str, Any]]:
        """Every template of the account."""
        ...

    async def create(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Submit one template; the answer carries its review status."""
        ...


def _body_text(template: Mapping[str, Any]) -> str | None:
    for component in template.get("components") or []:
        if isinstance(component, Mapping) and component.get("type") == "BODY":
            text = component.get("text")
            return text if isinstance(text, str) else None
    return None


async def sync_templates(
    account: TemplateAccount, templates: list[NoticeTemplate], names: Mapping[str, str]
) -> list[SyncRow]:
    """Create each notice's template the account lacks; report every one's status.

    `names` is the template name each notice kind is sent under
    (ATENDENTE_AUTOMATION_TEMPLATES), so a store that renamed one syncs that name.
    """
    found = {(t.get("name"), t.get("language")): t for t in await account.existing()}
    rows = []
    for template in templates:
        named = replace(template, name=names.get(template.notice, template.name))
        existing = found.get((named.name, named.language))
        if existing is None:
            answer = await account.create(named.request())
            rows.append(
                SyncRow(
                    named.name, named.language, str(answer.get("status", "PENDING")), True, False
                )
            )
            continue
        differs = _body_text(existing) != named.body
        status = str(existing.get("status", "UNKNOWN"))
        rows.append(SyncRow(named.name, named.language, status, False, differs))
    return rows
