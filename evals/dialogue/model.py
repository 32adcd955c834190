"""A dialogue: its store fixture, its customer, its clock and its turns."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AwareDatetime,
    Field,
    field_validator,
    model_validator,
)

from evals.dialogue.expectations import (
    Expectation,
    Frozen,
)

FORMAT = "atendente-dialogues/1"
"""The format tag every dialogue file starts with; bumped when the format changes."""
DATASET_DIR = Path(__file__).parent.parent / "dialogues"
"""The dialogues shipped with the project."""

MediaKind = Literal["image", "audio", "video", "document", "sticker", "location", "contacts"]

_KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


class Turn(Frozen):
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


class Customer(Frozen):
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


class Store(Frozen):
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


class Dialogue(Frozen):
    """One scripted conversation with what the bot must do at every turn."""

    id: str
    description: str
    tags: tuple[str, ...] = ()
    category: str | None = None
    """The report's group for it; the loader sets the file's name when it is not given."""
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


class DialogueFile(Frozen):
    """The content of one `*.yaml` file."""

    format: str
    dialogues: tuple[Dialogue, ...]

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value != FORMAT:
            raise ValueError(f"unsupported format {value!r}; this runner reads {FORMAT!r}")
        return value
