"""The eval dialogue format (`atendente-dialogues/1`): models, validation and the loader.

Dialogues are data written by hand (or recorded from production), so every mistake in a
file must surface as one readable line naming the file, the dialogue and the field, not
as a traceback or, worse, as a check that silently never runs. The models are frozen and
reject unknown keys for the same reason: a misspelt `expect` key would otherwise be
ignored and the turn would pass without testing anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    ValidationError,
    field_validator,
    model_validator,
)

from agent.toolkit import ALL_TOOLS
from agent.understanding import INTENTS
from tools.departments import DEFAULT_DEPARTMENTS

FORMAT = "atendente-dialogues/1"
"""The format tag every dialogue file starts with; bumped when the format changes."""
DATASET_DIR = Path(__file__).parent / "dialogues"
"""The dialogues shipped with the project."""

MatchMode = Literal["strict", "unordered", "subset", "superset"]
MediaKind = Literal["image", "audio", "video", "document", "sticker", "location", "contacts"]

NO_HANDOFF = "none"
"""The `handoff` value that asserts no handoff was opened in the turn."""
ANY_VALUE = "*"
"""An argument value that accepts anything, as long as the argument is present."""

DEPARTMENTS: tuple[str, ...] = tuple(DEFAULT_DEPARTMENTS)
TOOL_NAMES: tuple[str, ...] = tuple(tool.name for tool in ALL_TOOLS)
_KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


class DialogueFormatError(ValueError):
    """A dialogue file that cannot be used, with where and why in the message."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _compiles(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as error:
        raise ValueError(f"invalid regular expression {pattern!r}: {error}") from None
    return pattern


class ArgRegex(_Frozen):
    """An argument that must full-match a regular expression."""

    regex: str

    @field_validator("regex")
    @classmethod
    def _valid_regex(cls, value: str) -> str:
        return _compiles(value)


ArgMatcher = str | ArgRegex
"""A literal value (compared as strings), `"*"` for any value, or `{regex: ...}`."""


class ToolCallExpectation(_Frozen):
    """One tool call the turn should make; arguments not listed are not checked."""

    name: str
    args: dict[str, ArgMatcher] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _known_tool(cls, value: str) -> str:
        if value not in TOOL_NAMES:
            raise ValueError(f"unknown tool {value!r}; known: {', '.join(TOOL_NAMES)}")
        return value

    @field_validator("args", mode="before")
    @classmethod
    def _scalars_as_strings(cls, value: object) -> object:
        """YAML reads `1001` as an int; the agent's tools get strings, so compare as strings."""
        if not isinstance(value, Mapping):
            return value
        normalized: dict[str, object] = {}
        for key, item in value.items():
            if isinstance(item, bool | int | float):
                normalized[str(key)] = str(item)
            elif isinstance(item, Mapping):
                if set(item) != {"regex"} or not isinstance(item["regex"], str):
                    raise ValueError(f"argument {key!r}: a mapping must be {{regex: '<pattern>'}}")
                normalized[str(key)] = ArgRegex(regex=_compiles(item["regex"]))
            elif isinstance(item, str):
                normalized[str(key)] = item
            else:
                raise ValueError(
                    f"argument {key!r}: use a value, '*' or {{regex: ...}}, not {item!r}"
                )
        return normalized


class ToolsExpectation(_Frozen):
    """The tool trajectory of a turn and how strictly to compare it."""

    match: MatchMode = "superset"
    calls: tuple[ToolCallExpectation, ...] = ()


class ReplyExpectation(_Frozen):
    """Assertions on the text the bot sends in the turn."""

    contains: tuple[str, ...] = ()
    not_contains: tuple[str, ...] = ()
    regex: tuple[str, ...] = ()
    max_length: PositiveInt | None = None
    silent: bool | None = None

    @field_validator("contains", "not_contains", "regex", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("regex")
    @classmethod
    def _valid_patterns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_compiles(pattern) for pattern in value)


class Expectation(_Frozen):
    """What one customer turn must do; every key is optional and omitted keys go unchecked."""

    intent: tuple[str, ...] | None = None
    """Acceptable intents (one or several)."""
    tools: ToolsExpectation | None = None
    handoff: str | None = None
    """Department of a handoff opened in this turn, or `none`."""
    reply: ReplyExpectation | None = None
    leaks: tuple[str, ...] = ()
    rubric: str | None = None

    @field_validator("intent", mode="before")
    @classmethod
    def _intent_list(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("intent")
    @classmethod
    def _known_intents(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("an empty intent list accepts nothing; omit the key instead")
        unknown = [intent for intent in value if intent not in INTENTS]
        if unknown:
            raise ValueError(f"unknown intent {unknown[0]!r}; known: {', '.join(INTENTS)}")
        return value

    @field_validator("handoff")
    @classmethod
    def _known_department(cls, value: str | None) -> str | None:
        if value is not None and value != NO_HANDOFF and value not in DEPARTMENTS:
            raise ValueError(
                f"unknown department {value!r}; use one of {', '.join(DEPARTMENTS)} or 'none'"
            )
        return value

    @field_validator("leaks", mode="before")
    @classmethod
    def _leak_list(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class Turn(_Frozen):
    """A customer turn (`say`, maybe with media) or an admin release of the thread."""

    say: str | tuple[str, ...] | None = None
    """One message, or a burst of messages merged into one turn."""
    media: MediaKind | None = None
    """The kind of media sent with the (last) message; `say` is then its caption."""
    release: bool = False
    expect: Expectation = Field(default_factory=Expectation)

    @model_validator(mode="after")
    def _one_kind(self) -> Turn:
        if self.release:
            if self.say is not None or self.media is not None:
                raise ValueError("a release turn takes no 'say' or 'media'")
            if self.expect != Expectation():
                raise ValueError("a release turn has no expectations; put them on the next turn")
            return self
        if self.say is None:
            raise ValueError("a turn needs 'say' (the customer's message) or 'release: true'")
        if isinstance(self.say, tuple) and not self.say:
            raise ValueError("a burst ('say' as a list) needs at least one message")
        return self

    @property
    def is_customer_turn(self) -> bool:
        """True for turns the customer sends (as opposed to an admin release)."""
        return not self.release

    @property
    def messages(self) -> tuple[str, ...]:
        """The customer's messages of the turn: one, or the whole burst in order."""
        if self.say is None:
            return ()
        return (self.say,) if isinstance(self.say, str) else self.say

    @property
    def text(self) -> str:
        """The turn's text as the worker merges a burst: messages joined by newlines."""
        return "\n".join(message for message in self.messages if message)


class Customer(_Frozen):
    """Who writes: the phone WhatsApp shares (or null) and the sender id."""

    phone: str | None
    sender_id: str | None = None

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        if value is not None and not _E164.match(value):
            raise ValueError(f"phone {value!r} is not in E.164 form (e.g. '+5511987654321')")
        return value

    @model_validator(mode="after")
    def _has_sender(self) -> Customer:
        if self.phone is None and not self.sender_id:
            raise ValueError("sender_id is required when phone is null")
        return self

    @property
    def resolved_sender_id(self) -> str:
        """The WhatsApp user id: given, or the phone without its '+'."""
        if self.sender_id:
            return self.sender_id
        assert self.phone is not None  # guaranteed by _has_sender
        return self.phone.lstrip("+")


class Store(_Frozen):
    """The store a dialogue runs against: demo orders, its own orders, or both."""

    base: Literal["demo"] | None = None
    orders: tuple[dict[str, Any], ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _demo_shorthand(cls, value: object) -> object:
        if isinstance(value, str):
            if value != "demo":
                raise ValueError(f"unknown store {value!r}; use 'demo' or a mapping with 'orders'")
            return {"base": "demo"}
        return value

    @field_validator("orders")
    @classmethod
    def _order_shape(cls, value: tuple[dict[str, Any], ...]) -> tuple[dict[str, Any], ...]:
        for index, order in enumerate(value):
            for key in ("id", "number"):
                if not isinstance(order.get(key), int):
                    raise ValueError(f"orders[{index}] needs an integer {key!r}")
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> Store:
        if self.base is None and not self.orders:
            raise ValueError("store must be 'demo', {orders: [...]} or {base: demo, orders: [...]}")
        return self


class Dialogue(_Frozen):
    """One scripted conversation with what the bot must do at every turn."""

    id: str
    description: str
    tags: tuple[str, ...] = ()
    store: Store
    customer: Customer
    clock: AwareDatetime | None = None
    """When the conversation happens (business hours matter); default: a weekday afternoon."""
    leaks: tuple[str, ...] = ()
    """Strings that must never appear in any message the bot sends in this dialogue."""
    turns: tuple[Turn, ...] = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _kebab(cls, value: str) -> str:
        if not _KEBAB.match(value):
            raise ValueError(f"id {value!r} must be kebab-case (lowercase words and digits, '-')")
        return value

    @field_validator("clock", mode="before")
    @classmethod
    def _iso_text(cls, value: object) -> object:
        """Require the ISO text form: YAML would otherwise turn bare timestamps into naive ones."""
        if isinstance(value, datetime):
            return value.isoformat()
        return value

    @model_validator(mode="after")
    def _speaks(self) -> Dialogue:
        if not any(turn.is_customer_turn for turn in self.turns):
            raise ValueError("a dialogue needs at least one customer turn ('say')")
        return self

    @property
    def customer_turns(self) -> tuple[Turn, ...]:
        """The turns the customer sends, without admin releases."""
        return tuple(turn for turn in self.turns if turn.is_customer_turn)


class DialogueFile(_Frozen):
    """The content of one `*.yaml` file."""

    format: str
    dialogues: tuple[Dialogue, ...]

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value != FORMAT:
            raise ValueError(f"unsupported format {value!r}; this runner reads {FORMAT!r}")
        return value


def _where(raw: object, loc: tuple[int | str, ...]) -> str:
    """'dialogue <id>: turns[2].expect.intent' from a validation error location."""
    prefix = ""
    if len(loc) >= 2 and loc[0] == "dialogues" and isinstance(loc[1], int):
        items = raw.get("dialogues") if isinstance(raw, dict) else None
        entry = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        name = entry.get("id") if isinstance(entry, dict) else None
        prefix = f"dialogue {name!r}" if name else f"dialogue #{loc[1] + 1}"
        loc = loc[2:]
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    if prefix and path:
        return f"{prefix}: {path}"
    return prefix or path or "file"


def _format_errors(path: Path, raw: object, error: ValidationError) -> str:
    lines = []
    items = error.errors(include_url=False)
    locs = [tuple(item["loc"]) for item in items]
    for item in items:
        loc = tuple(item["loc"])
        if any(len(other) > len(loc) and other[: len(loc)] == loc for other in locs):
            continue  # a container's summary error ("too short") when its items already failed
        message = str(item["msg"]).removeprefix("Value error, ")
        lines.append(f"{path}: {_where(raw, loc)}: {message}")
    return "\n".join(lines)


def parse_dialogue_file(path: Path) -> DialogueFile:
    """Read and validate one dialogue file.

    Raises:
        DialogueFormatError: unreadable YAML or any field that breaks the format.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DialogueFormatError(f"{path}: cannot read: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise DialogueFormatError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise DialogueFormatError(f"{path}: expected a mapping with 'format' and 'dialogues'")
    try:
        return DialogueFile.model_validate(raw)
    except ValidationError as error:
        raise DialogueFormatError(_format_errors(path, raw, error)) from None


def _dialogue_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(path.glob("*.yaml"))
        if not files:
            raise DialogueFormatError(f"{path}: no *.yaml dialogue files in this directory")
        return files
    if not path.exists():
        raise DialogueFormatError(f"{path}: no such file or directory")
    return [path]


def _check_unique(named: Iterable[tuple[Path, Dialogue]]) -> None:
    seen: dict[str, Path] = {}
    for path, dialogue in named:
        if dialogue.id in seen:
            first = seen[dialogue.id]
            raise DialogueFormatError(
                f"{path}: dialogue {dialogue.id!r}: id: duplicate, already used in {first}"
            )
        seen[dialogue.id] = path


def load_dialogues(path: Path) -> list[Dialogue]:
    """Every dialogue in a file, or in all `*.yaml` files of a directory (sorted by name).

    Raises:
        DialogueFormatError: a file is malformed or two dialogues share an id.
    """
    named = [
        (file, dialogue)
        for file in _dialogue_files(path)
        for dialogue in parse_dialogue_file(file).dialogues
    ]
    _check_unique(named)
    return [dialogue for _, dialogue in named]
