"""Conversations from a thread's checkpoints, as the app's `RedisSaver` keeps them.

The messages give the turns (each customer message the worker ran is one turn: bursts
were merged before the graph saw them), the bot's replies and its tool calls; the retained
checkpoints give the intent of their turns and the turn where a handoff opened.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agent.nodes.guard import MEDIA_PLACEHOLDERS
from evals.record.conversation import Conversation, RecordedTurn

NAME_KEYS = ("customer_first_name", "customer_name", "contact_name")
"""Keys of tool results that carry the customer's name, to mask it wherever it appears."""
_MEDIA_BY_PLACEHOLDER = {text: kind for kind, text in MEDIA_PLACEHOLDERS.items()}


def _last_human_id(messages: Sequence[BaseMessage]) -> str | None:
    return next((m.id for m in reversed(messages) if isinstance(m, HumanMessage)), None)


def _names_in(message: ToolMessage) -> list[str]:
    try:
        payload = json.loads(message.text)
    except (json.JSONDecodeError, TypeError):
        return []
    found: list[str] = []
    stack: list[Any] = [payload]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.extend(str(item[key]) for key in NAME_KEYS if item.get(key))
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


def _drafts(messages: Sequence[BaseMessage]) -> tuple[list[_Draft], list[str]]:
    """The turns in the messages, and the names found in tool results."""
    drafts: list[_Draft] = []
    names: list[str] = []
    for message in messages:
        if isinstance(message, HumanMessage):
            drafts.append(_Draft(message.text, message.id))
        elif isinstance(message, ToolMessage):
            names.extend(_names_in(message))
        elif isinstance(message, AIMessage) and drafts:
            drafts[-1].tools.extend(
                {"name": c["name"], "args": c["args"]} for c in message.tool_calls
            )
            if not message.tool_calls and message.text:
                drafts[-1].replies.append(message.text)
    return drafts, names


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


def conversation_from_checkpoints(states: Sequence[Mapping[str, Any]]) -> Conversation | None:
    """A thread's conversation from its checkpoints' channel values, newest first.

    The messages are those the latest checkpoint still holds (the app trims the history to
    its last turns). A handoff still open whose turn no checkpoint pins down is put on the
    last turn the bot answered, since the bot is silent while a person owns the thread.
    Returns None for a thread with no customer message.
    """
    if not states:
        return None
    latest = states[0]
    drafts, names = _drafts(latest.get("messages") or [])
    if not drafts:
        return None
    intents, opened = _per_turn_facts(states)
    open_handoff = latest.get("handoff")
    if open_handoff and not any(d.human_id in opened for d in drafts):
        answered = [d for d in drafts if d.replies]
        if answered and answered[-1].human_id:
            opened[answered[-1].human_id] = str(open_handoff["department"])
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
    identity = latest.get("identity") or {}
    return Conversation(
        turns=tuple(turns),
        phone=identity.get("phone"),
        sender_id=identity.get("sender_id"),
        names=tuple(dict.fromkeys(names)),
        emails=tuple(identity.get("emails") or ()),
        cpfs=tuple(identity.get("cpfs") or ()),
    )
