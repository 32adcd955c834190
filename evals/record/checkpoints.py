"""Conversations from a thread's checkpoints, as the app's `RedisSaver` keeps them.

The messages give the turns (each customer message the worker ran is one turn: bursts
were merged before the graph saw them), the bot's replies, its tool calls and the orders
they named; the retained checkpoints give the intent of their turns, the turn where a
handoff opened, the orders whose ownership was checked and, by their timestamps, when the
conversation happened.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agent.nodes.guard import MEDIA_PLACEHOLDERS
from evals.pii import digits_of
from evals.record.conversation import Conversation, RecordedTurn

NAME_KEYS = ("customer_first_name", "customer_name", "contact_name")
"""Keys of tool results that carry the customer's name, to mask it wherever it appears."""
ORDER_NUMBER_KEY = "order_number"
"""The key of tool arguments and results that names an order."""
UNAVAILABLE = "order_not_available"
"""The error of a tool result for an order that does not exist or is not the customer's."""
UNPROVEN = frozenset({"ask_identity", "invalid_proof", "mismatch", "locked"})
"""Ownership verdicts that showed the customer nothing of the order: whether it exists or
not, the conversation replays the same, so one the store lacks can be left out."""
_MEDIA_BY_PLACEHOLDER = {text: kind for kind, text in MEDIA_PLACEHOLDERS.items()}


def _last_human_id(messages: Sequence[BaseMessage]) -> str | None:
    return next((m.id for m in reversed(messages) if isinstance(m, HumanMessage)), None)


def _payload_dicts(message: ToolMessage) -> list[dict[str, Any]]:
    """Every JSON object in a tool result, nested ones included; none when it is not JSON."""
    try:
        payload = json.loads(message.text)
    except (json.JSONDecodeError, TypeError):
        return []
    found: list[dict[str, Any]] = []
    stack: list[Any] = [payload]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


@dataclass(slots=True)
class _Draft:
    text: str
    human_id: str | None
    replies: list[str] = field(default_factory=list)
    tools: list[Mapping[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class _Seen:
    """What tool calls, tool results and checkpoints tell beyond the turns: names, orders."""

    names: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    given: set[str] = field(default_factory=set)
    """Numbers of orders the store gave the bot."""
    refused: set[str] = field(default_factory=set)
    """Numbers the bot was told are not available (no such order, or not the customer's)."""

    def call(self, args: Mapping[str, Any]) -> None:
        if number := digits_of(str(args.get(ORDER_NUMBER_KEY) or "")):
            self.numbers.append(number)

    def result(self, message: ToolMessage) -> None:
        for item in _payload_dicts(message):
            self.names.extend(str(item[key]) for key in NAME_KEYS if item.get(key))
            if number := digits_of(str(item.get(ORDER_NUMBER_KEY) or "")):
                self.numbers.append(number)
                (self.refused if item.get("error") == UNAVAILABLE else self.given).add(number)

    def state(self, state: Mapping[str, Any]) -> None:
        """The orders a checkpoint names: requested, awaiting proof or proven."""
        for number in state.get("verified_orders") or []:
            self.numbers.append(digits_of(str(number)))
            self.given.add(digits_of(str(number)))
        for key in ("request", "pending"):
            if number := digits_of(str((state.get(key) or {}).get(ORDER_NUMBER_KEY) or "")):
                self.numbers.append(number)
        outcome = state.get("outcome") or {}
        request = state.get("request") or {}
        number = digits_of(str(request.get(ORDER_NUMBER_KEY) or ""))
        if number and outcome.get("identity_check") in UNPROVEN:
            self.refused.add(number)


def _drafts(messages: Sequence[BaseMessage]) -> tuple[list[_Draft], _Seen]:
    """The turns in the messages, and what their tool calls and results named."""
    drafts: list[_Draft] = []
    seen = _Seen()
    for message in messages:
        if isinstance(message, HumanMessage):
            drafts.append(_Draft(message.text, message.id))
        elif isinstance(message, ToolMessage):
            seen.result(message)
        elif isinstance(message, AIMessage) and drafts:
            for call in message.tool_calls:
                drafts[-1].tools.append({"name": call["name"], "args": call["args"]})
                seen.call(call["args"])
            if not message.tool_calls and message.text:
                drafts[-1].replies.append(message.text)
    return drafts, seen


def _per_turn_facts(states: Sequence[Mapping[str, Any]]) -> tuple[dict[str, str], dict[str, str]]:
    """Intent and opened handoff per customer message id, from the retained checkpoints."""
    intents: dict[str, str] = {}
    opened: dict[str, str] = {}
    for newer, older in zip(states, [*states[1:], None], strict=True):
        human = _last_human_id(newer.get("messages") or [])
        if human is None:
            continue
        intent = (newer.get("understanding") or {}).get("intent")
        if intent:
            intents.setdefault(human, str(intent))
        handoff, before = newer.get("handoff"), (older or {}).get("handoff")
        if older is not None and handoff and handoff.get("ticket") != (before or {}).get("ticket"):
            if _last_human_id(older.get("messages") or []) != human:
                opened.setdefault(human, str(handoff["department"]))
    return intents, opened


def _started_at(
    states: Sequence[Mapping[str, Any]], times: Sequence[datetime], first: str | None
) -> datetime | None:
    """The time of the first turn's checkpoint, or of the oldest one kept when it is gone."""
    if not times or len(times) != len(states):
        return None
    oldest_first = range(len(states) - 1, -1, -1)
    mine = [i for i in oldest_first if _last_human_id(states[i].get("messages") or []) == first]
    return times[mine[0] if mine else -1]


def conversation_from_checkpoints(
    states: Sequence[Mapping[str, Any]], times: Sequence[datetime] = ()
) -> Conversation | None:
    """A thread's conversation from its checkpoints' channel values, newest first.

    The messages are those the latest checkpoint still holds (the app trims the history to
    its last turns). A handoff still open whose turn no checkpoint pins down is put on the
    first turn whose reply gave its protocol; later replies while a person owns the thread
    are only acknowledgements.
    Returns None for a thread with no customer message.

    Args:
        states: The checkpoints' channel values, newest first.
        times: When each checkpoint was written (timezone-aware), in the same order; they
            date the conversation (`started_at`). Empty: it stays undated.
    """
    if not states:
        return None
    latest = states[0]
    drafts, seen = _drafts(latest.get("messages") or [])
    if not drafts:
        return None
    intents, opened = _per_turn_facts(states)
    open_handoff = latest.get("handoff")
    if open_handoff and not any(d.human_id in opened for d in drafts):
        ticket = str(open_handoff.get("ticket") or "")
        told = [d for d in drafts if ticket and any(ticket in reply for reply in d.replies)]
        answered = told or [d for d in drafts if d.replies][-1:]
        if answered and answered[0].human_id:
            opened[answered[0].human_id] = str(open_handoff["department"])
    turns = []
    for draft in drafts:
        media = _MEDIA_BY_PLACEHOLDER.get(draft.text)
        turns.append(
            RecordedTurn(
                messages=("",) if media else (draft.text,),
                replies=tuple(draft.replies),
                intent=intents.get(draft.human_id or ""),
                tools=tuple(draft.tools),
                handoff=opened.get(draft.human_id or ""),
                media=media,
            )
        )
    for state in reversed(states):
        seen.state(state)
    identity = latest.get("identity") or {}
    numbers = tuple(dict.fromkeys(number for number in seen.numbers if number))
    return Conversation(
        turns=tuple(turns),
        phone=identity.get("phone"),
        sender_id=identity.get("sender_id"),
        names=tuple(dict.fromkeys(seen.names)),
        emails=tuple(identity.get("emails") or ()),
        cpfs=tuple(identity.get("cpfs") or ()),
        order_numbers=numbers,
        unavailable_orders=tuple(n for n in numbers if n in seen.refused - seen.given),
        started_at=_started_at(states, times, drafts[0].human_id),
    )
