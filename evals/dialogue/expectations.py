"""What a customer turn must do: intent, tool calls, handoff, reply assertions, leaks, rubric."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    field_validator,
)

from agent.toolkit import ALL_TOOLS
from agent.understanding import INTENTS
from tools.departments import DEFAULT_DEPARTMENTS
from tools.problems import PROBLEM_TYPES

MatchMode = Literal["strict", "unordered", "subset", "superset"]

NO_PROBLEM = "none"
"""The `problem` value that asserts the customer reported no problem."""
NO_HANDOFF = "none"
"""The `handoff` value that asserts no handoff was opened in the turn."""
ANY_VALUE = "*"
"""An argument value that accepts anything, as long as the argument is present."""

DEPARTMENTS: tuple[str, ...] = tuple(DEFAULT_DEPARTMENTS)
TOOL_NAMES: tuple[str, ...] = tuple(tool.name for tool in ALL_TOOLS)


class Frozen(BaseModel):
    """Immutable, and unknown keys are errors: a misspelt key must not pass silently."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _compiles(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as error:
        raise ValueError(f"invalid regular expression {pattern!r}: {error}") from None
    return pattern


class ArgRegex(Frozen):
    """An argument that must full-match a regular expression."""

    regex: str

    @field_validator("regex")
    @classmethod
    def _valid_regex(cls, value: str) -> str:
        return _compiles(value)


ArgMatcher = str | ArgRegex
"""A literal value (compared as strings), `"*"` for any value, or `{regex: ...}`."""


class ToolCallExpectation(Frozen):
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


class ToolsExpectation(Frozen):
    """The tool trajectory of a turn and how strictly to compare it."""

    match: MatchMode = "superset"
    calls: tuple[ToolCallExpectation, ...] = ()


class ReplyExpectation(Frozen):
    """Assertions on the text the bot sends in the turn."""

    contains: tuple[str, ...] = ()
    not_contains: tuple[str, ...] = ()
    regex: tuple[str, ...] = ()
    max_length: PositiveInt | None = None
    silent: bool | None = None
    understood: bool | None = None
    """`true`: the reply does not say "não entendi"."""
    acknowledges: bool | None = None
    """`true`: the reply opens with sympathy and names no problem the turn's `problem` lacks."""
    apologises: bool | None = None
    """`true`: the reply says sorry (an upset customer)."""
    no_premature_agreement: bool | None = None
    """`true`: no "Claro!" or promise of a refund, cancellation or exchange."""

    @field_validator("contains", "not_contains", "regex", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("regex")
    @classmethod
    def _valid_patterns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_compiles(pattern) for pattern in value)


class Expectation(Frozen):
    """What one customer turn must do; every key is optional and omitted keys go unchecked."""

    intent: tuple[str, ...] | None = None
    """Acceptable intents (one or several)."""
    problem: tuple[str, ...] | None = None
    """Acceptable problem types (one or several), or `none` for no problem."""
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

    @field_validator("problem", mode="before")
    @classmethod
    def _problem_list(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("problem")
    @classmethod
    def _known_problems(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        known = (*PROBLEM_TYPES, NO_PROBLEM)
        unknown = [problem for problem in value if problem not in known]
        if not value or unknown:
            raise ValueError(f"unknown problem {unknown[:1]}; known: {', '.join(known)}")
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
