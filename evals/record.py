"""Turn real conversations into eval dialogues, so production failures become regression cases.

Two sources feed one shape, `Conversation`:

- checkpoints: the channel values of a thread's checkpoints, newest first, as the app's
  `RedisSaver` keeps them (`conversation_from_checkpoints`). The messages give the turns
  (each customer message the worker ran is one turn: bursts were merged before the graph
  saw them), the bot's replies and its tool calls; the retained checkpoints give the
  intent of their turns and the turn where a handoff opened.
- an export file (`conversations_from_export`): `{"conversations": [{"id", "customer",
  "messages": [{"role": "customer"|"bot", "text", "intent"?}], "handoff"?}]}`, where
  consecutive customer messages before a bot reply are one burst; or what the admin API's
  `GET /admin/tickets/{id}` returns (`{"ticket": {...}, "conversation": [...]}`), alone, in a
  list, or inside `conversations`.

`render_dialogues` masks personal data (`evals.pii`, one `Masker` per file) and writes the
`atendente-dialogues/1` YAML, with the bot's recorded replies as `# bot:` comments. The
expectations it writes are what the bot did, not what it should have done: the file says
so at the top, and an engineer edits it before it joins the dataset.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import yaml
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.nodes.guard import MEDIA_PLACEHOLDERS
from agent.understanding import INTENTS
from evals.dialogue import DEPARTMENTS, FORMAT, TOOL_NAMES, DialogueFile
from evals.pii import Kind, Masker

NAME_KEYS = ("customer_first_name", "customer_name", "contact_name")
"""Keys of tool results that carry the customer's name, to mask it wherever it appears."""
_MEDIA_BY_PLACEHOLDER = {text: kind for kind, text in MEDIA_PLACEHOLDERS.items()}


class RecordError(ValueError):
    """Input that cannot be turned into dialogues, with where and why in the message."""


@dataclass(frozen=True, slots=True)
class RecordedTurn:
    """One customer turn and what the bot did in it."""

    messages: tuple[str, ...]
    """The customer's messages: one, or a burst."""
    replies: tuple[str, ...] = ()
    """What the bot sent; empty when it stayed silent."""
    intent: str | None = None
    tools: tuple[Mapping[str, Any], ...] = ()
    """Tool calls as `{name, args}`."""
    handoff: str | None = None
    """The department of a handoff opened in this turn."""
    media: str | None = None


@dataclass(frozen=True, slots=True)
class Conversation:
    """A conversation ready to become a dialogue, with what is known about the customer."""

    turns: tuple[RecordedTurn, ...]
    phone: str | None = None
    sender_id: str | None = None
    names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    cpfs: tuple[str, ...] = ()


# From checkpoints -----------------------------------------------------------------------------


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


# From an export file --------------------------------------------------------------------------


class _Export(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class ExportMessage(_Export):
    """One message of an exported conversation; `from` (the admin API's key) works too."""

    role: Literal["customer", "bot"] = Field(alias="from")
    text: str
    intent: str | None = None


class ExportCustomer(_Export):
    """Who wrote, as far as the export knows."""

    phone: str | None = None
    sender_id: str | None = None
    name: str | None = None


class ExportHandoff(_Export):
    """The department the conversation was handed to."""

    department: str


class ExportConversation(_Export):
    """One conversation of the export file."""

    id: str | None = None
    customer: ExportCustomer = Field(default_factory=ExportCustomer)
    messages: tuple[ExportMessage, ...] = Field(min_length=1)
    handoff: ExportHandoff | None = None


def _admin_ticket(item: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """The admin API's ticket response as an export conversation (one turn per message)."""
    ticket = item.get("ticket") or {}
    department = ticket.get("department") if isinstance(ticket, Mapping) else None
    return {
        "id": ticket.get("id") if isinstance(ticket, Mapping) else None,
        "customer": {"sender_id": ticket.get("wa_id") if isinstance(ticket, Mapping) else None},
        "messages": item.get("conversation"),
        "handoff": {"department": department} if department else None,
    }, False


def _items(data: Any) -> list[tuple[Any, bool]]:
    """Each conversation of the file with whether consecutive customer messages are bursts."""
    if isinstance(data, Mapping) and "conversation" in data and "ticket" in data:
        return [_admin_ticket(data)]
    if isinstance(data, Mapping) and isinstance(data.get("conversations"), list):
        entries: list[Any] = data["conversations"]
    elif isinstance(data, list):
        entries = data
    else:
        raise RecordError(
            "expected {'conversations': [...]}, an admin ticket ({'ticket', 'conversation'}) "
            "or a list of them"
        )
    return [
        _admin_ticket(e) if isinstance(e, Mapping) and "conversation" in e else (e, True)
        for e in entries
    ]


def _export_turns(messages: Sequence[ExportMessage], bursts: bool) -> list[RecordedTurn]:
    turns: list[RecordedTurn] = []
    said: list[str] = []
    intent: str | None = None
    replies: list[str] = []

    def close() -> None:
        if said:
            turns.append(RecordedTurn(tuple(said), tuple(replies), intent))

    for message in messages:
        if message.role == "customer":
            if replies or (said and not bursts):
                close()
                said, replies, intent = [], [], None
            said.append(message.text)
            intent = message.intent or intent
        elif said:
            replies.append(message.text)
    close()
    return turns


def conversations_from_export(data: Any) -> list[Conversation]:
    """The conversations of an export file (see the module docstring for its shapes).

    Raises:
        RecordError: the file has none of the accepted shapes, or a conversation is malformed.
    """
    conversations = []
    for position, (raw, bursts) in enumerate(_items(data)):
        try:
            item = ExportConversation.model_validate(raw)
        except ValidationError as error:
            first = error.errors(include_url=False)[0]
            where = ".".join(str(part) for part in first["loc"]) or "conversation"
            raise RecordError(f"conversation #{position + 1}: {where}: {first['msg']}") from None
        turns = _export_turns(item.messages, bursts)
        if not turns:
            raise RecordError(f"conversation #{position + 1}: no customer message")
        if item.handoff:
            answered = [i for i, turn in enumerate(turns) if turn.replies] or [len(turns) - 1]
            opening = turns[answered[-1]]
            turns[answered[-1]] = RecordedTurn(
                opening.messages, opening.replies, opening.intent, handoff=item.handoff.department
            )
        customer = item.customer
        conversations.append(
            Conversation(
                turns=tuple(turns),
                phone=customer.phone,
                sender_id=customer.sender_id,
                names=(customer.name,) if customer.name else (),
            )
        )
    return conversations


# To YAML --------------------------------------------------------------------------------------

HEADER = """\
# Recorded by `atendente eval record` on {day} from {source}.
#
# Personal data is masked (evals/pii.py): CPFs, CNPJs, e-mails, phones, CEPs, street
# addresses and the customer's names are fakes, the same fake for the same value in this
# whole file. Order numbers and tracking codes are kept.
#
# The expectations are what the bot DID, not what it should have done. Before adding this
# file to evals/dialogues/: review every turn and fix its intent, tools, handoff and reply
# checks by hand; write a real description; point `store` at orders that fit the
# conversation (the demo store does not have the customer's real orders). Each turn's
# `# bot:` lines are the reply the bot sent in production.
"""


@dataclass(frozen=True, slots=True)
class RecordedFile:
    """A rendered dialogue file and what went into it (counts only: safe to log)."""

    text: str
    dialogues: int
    turns: int
    masked: Mapping[Kind, int]


def _args(args: Mapping[str, Any], masker: Masker) -> dict[str, str]:
    """Tool arguments as the format compares them: strings, masked; '*' for structures."""
    return {
        str(key): masker.mask(str(value)) if isinstance(value, str | int | float) else "*"
        for key, value in args.items()
    }


def _expect(turn: RecordedTurn, masker: Masker, *, silent: bool) -> dict[str, Any]:
    expect: dict[str, Any] = {}
    if turn.intent in INTENTS:
        expect["intent"] = turn.intent
    calls = [
        {"name": call["name"], "args": _args(call.get("args") or {}, masker)}
        for call in turn.tools
        if call.get("name") in TOOL_NAMES
    ]
    if calls:
        expect["tools"] = {"match": "superset", "calls": calls}
    if turn.handoff in DEPARTMENTS:
        expect["handoff"] = turn.handoff
    if silent:
        expect["reply"] = {"silent": True}
    return expect


def _customer(conversation: Conversation, masker: Masker, label: str) -> dict[str, Any]:
    """The masked customer; registering the phone first gives the customer fake number 1."""
    if conversation.phone:
        return {"phone": masker.phone(conversation.phone)}
    if conversation.sender_id:
        masked = masker.sender_id(conversation.sender_id)
        return {"phone": "+" + masked} if masked.isdigit() else {"phone": None, "sender_id": masked}
    return {"phone": masker.stand_in_phone(label)}


def _dialogue(
    conversation: Conversation, dialogue_id: str, masker: Masker
) -> tuple[dict[str, Any], list[list[str]]]:
    """The dialogue's data and, per turn, the recorded reply as comment lines."""
    customer = _customer(conversation, masker, dialogue_id)
    if conversation.sender_id:
        masker.sender_id(conversation.sender_id)
    for email in conversation.emails:
        masker.email(email)
    for cpf in conversation.cpfs:
        masker.cpf(cpf)
    for name in conversation.names:
        masker.add_name(name)
    turns: list[dict[str, Any]] = []
    comments: list[list[str]] = []
    handed = False
    for turn in conversation.turns:
        said = [masker.mask(text) for text in turn.messages]
        data: dict[str, Any] = {"say": said[0] if len(said) == 1 else said}
        if turn.media:
            data["media"] = turn.media
        expect = _expect(turn, masker, silent=handed and not turn.replies)
        if expect:
            data["expect"] = expect
        handed = handed or turn.handoff is not None
        turns.append(data)
        replies = [line for reply in turn.replies for line in masker.mask(reply).splitlines()]
        comments.append(replies or ["(silent)"])
    handoffs = [turn.handoff for turn in conversation.turns if turn.handoff]
    about = f", handed to {', '.join(handoffs)}" if handoffs else ""
    dialogue = {
        "id": dialogue_id,
        "description": (
            f"Recorded conversation, {len(turns)} turn(s){about}; "
            "the expectations are what the bot did: review them."
        ),
        "tags": ["recorded", "handoff"] if handoffs else ["recorded"],
        "store": "demo",
        "customer": customer,
        "turns": turns,
    }
    return dialogue, comments


def _dump(data: Any, indent: int) -> list[str]:
    text = yaml.safe_dump(
        data, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100
    )
    return [" " * indent + line for line in text.rstrip("\n").splitlines()]


def render_dialogues(
    conversations: Sequence[Conversation], *, prefix: str, source: str, day: date
) -> RecordedFile:
    """The dialogue file for `conversations`, masked, with ids `<prefix>-001`, `-002`...

    Raises:
        RecordError: nothing to record, or the result would not load (a bug, not bad input).
    """
    if not conversations:
        raise RecordError("no conversation to record")
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", prefix):
        raise RecordError(f"prefix {prefix!r} must be kebab-case (lowercase words and digits, '-')")
    masker = Masker()
    lines = [HEADER.format(day=day.isoformat(), source=source), f"format: {FORMAT}", "dialogues:"]
    for number, conversation in enumerate(conversations, start=1):
        dialogue, comments = _dialogue(conversation, f"{prefix}-{number:03d}", masker)
        lines.extend(_dump([{k: v for k, v in dialogue.items() if k != "turns"}], 2))
        lines.append("    turns:")
        for turn, replies in zip(dialogue["turns"], comments, strict=True):
            lines.extend(_dump([turn], 6))
            lines.extend(f"        # bot: {line}".rstrip() for line in replies)
    text = "\n".join(lines) + "\n"
    try:
        DialogueFile.model_validate(yaml.safe_load(text))
    except (ValidationError, yaml.YAMLError) as error:
        raise RecordError(f"the recorded dialogues do not load: {error}") from error
    return RecordedFile(
        text=text,
        dialogues=len(conversations),
        turns=sum(len(c.turns) for c in conversations),
        masked=dict(masker.counts),
    )
