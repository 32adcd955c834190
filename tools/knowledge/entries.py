"""The store's knowledge file: entries the store writes, checked before anything starts.

A store edits one YAML file (`ATENDENTE_KNOWLEDGE_FILE`; the demo store's ships as
`tools/knowledge/demo.yaml`): each entry has an id, a title the customer reads as the
source of the answer, a topic, the questions it answers, extra keywords and the answer
itself. A mistake in the file (a missing answer, a repeated id, a misspelt key) stops the
service at start with one line naming the file, the entry and the fault, instead of a
customer meeting it mid-conversation.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from integrations.nuvemshop.products import Page

FORMAT = "atendente-knowledge/1"
"""The format tag the file starts with; bumped when the format changes."""
DEMO_FILE = "demo.yaml"
"""The demo store's knowledge, shipped in this package."""
MAX_ANSWER_CHARS = 1500
"""An answer longer than this is a page, not a WhatsApp message."""

Topic = Literal["shipping", "payment", "returns", "hours", "addresses", "faq", "page"]
"""What an entry is about; `page` is a content page read from the store's API."""

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class KnowledgeFileError(ValueError):
    """The knowledge file cannot be used; the message is one line naming file and fault."""


class Entry(BaseModel):
    """One answer the store wrote, and how customers ask for it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: str = Field(min_length=1)
    """What the customer reads as the source ("Política de trocas")."""
    topic: Topic
    answer: str = Field(min_length=1, max_length=MAX_ANSWER_CHARS)
    questions: tuple[str, ...] = ()
    """How customers ask it; matched like the answer, and more strongly."""
    keywords: tuple[str, ...] = ()
    """More words that should find it (cities, carriers, card brands)."""
    link: str | None = None
    """A page with the whole policy, shown with the answer."""

    @field_validator("id")
    @classmethod
    def _kebab(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"id {value!r} must be kebab-case (lowercase words and digits, '-')")
        return value

    @field_validator("link")
    @classmethod
    def _web(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("link must be an http(s) address")
        return value

    @field_validator("title", "answer")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @classmethod
    def from_page(cls, page: Page, store_url: str) -> Entry:
        """A content page of the store as an entry, linked to where it is published."""
        url = page.url or (f"{store_url.rstrip('/')}/{page.handle}/" if page.handle else None)
        return cls(
            id=f"pagina-{page.id}",
            title=page.title,
            topic="page",
            answer=page.text[:MAX_ANSWER_CHARS].strip(),
            link=url,
        )


class KnowledgeFile(BaseModel):
    """The whole file: its format tag and its entries, each id once."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["atendente-knowledge/1"]
    entries: tuple[Entry, ...] = Field(min_length=1)

    @field_validator("entries")
    @classmethod
    def _unique(cls, value: tuple[Entry, ...]) -> tuple[Entry, ...]:
        seen: set[str] = set()
        for entry in value:
            if entry.id in seen:
                raise ValueError(f"id {entry.id!r} is used twice")
            seen.add(entry.id)
        return value


def _where(raw: object, loc: tuple[int | str, ...]) -> str:
    """'entries[2] (frete-gratis).answer' for an error's location."""
    parts: list[str] = []
    node = raw
    for step in loc:
        if isinstance(step, int):
            entry_id = (
                node[step].get("id")
                if isinstance(node, list) and isinstance(node[step], dict)
                else None
            )
            parts[-1] += f"[{step}]" + (f" ({entry_id})" if entry_id else "")
            node = node[step] if isinstance(node, list) and step < len(node) else None
        else:
            parts.append(step)
            node = node.get(step) if isinstance(node, dict) else None
    return ".".join(parts) or "file"


def parse_knowledge(text: str, source: str) -> tuple[Entry, ...]:
    """The entries of a knowledge file's text; `source` names it in the error.

    Raises:
        KnowledgeFileError: one line naming `source` and every fault found.
    """
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise KnowledgeFileError(f"knowledge file {source}: not valid YAML{where}") from None
    try:
        return KnowledgeFile.model_validate(raw).entries
    except ValidationError as error:
        faults = [
            f"{_where(raw, tuple(problem['loc']))}: {problem['msg']}"
            if problem["type"] != "extra_forbidden"
            else f"{_where(raw, tuple(problem['loc']))}: unknown key"
            for problem in error.errors()
        ]
        raise KnowledgeFileError(f"knowledge file {source}: " + "; ".join(faults)) from None


def load_knowledge(path: Path | None) -> tuple[Entry, ...]:
    """The entries of the store's file, or of the demo store's when `path` is None.

    Raises:
        KnowledgeFileError: the file is missing, unreadable or invalid.
    """
    if path is None:
        text = (resources.files(__package__) / DEMO_FILE).read_text(encoding="utf-8")
        return parse_knowledge(text, DEMO_FILE)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise KnowledgeFileError(f"knowledge file {path}: {reason.lower()}") from None
    return parse_knowledge(text, str(path))
