"""Dialogue files from conversations: personal data masked, expectations from what the bot did.

One `Masker` per file, so a value gets the same fake in every turn, in the `customer`
block and in the dialogue's own store orders (the customer still owns them). The clock is
when the conversation happened. The bot's recorded replies become `# bot:` comments; the
header says the expectations must be reviewed before the file joins the dataset.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml
from pydantic import ValidationError

from agent.understanding import INTENTS
from evals.dialogue import DEPARTMENTS, FORMAT, TOOL_NAMES, DialogueFile
from evals.pii import Kind, Masker
from evals.record.conversation import Conversation, RecordedTurn, RecordError
from evals.record.orders import mask_orders, order_names
from tools.business_hours import STORE_TIMEZONE

HEADER = """\
# Recorded by `atendente eval record` on {day} from {source}.
#
# Personal data is masked (evals/pii.py): CPFs, CNPJs, e-mails, phones, CEPs, street
# addresses and people's names are fakes, the same fake for the same value in this whole
# file, turns, `customer` and store orders alike. Order numbers and tracking codes are kept.
#
# A dialogue that looked up orders runs on its own `store`: those orders, fetched from the
# store when recorded and masked, so the customer still owns them. Its `clock` is when the
# conversation happened. `store: demo` means it looked up no order, or the store could not
# give them all (the customer then owns none of the demo orders).
#
# The expectations are what the bot DID, not what it should have done. Before adding this
# file to evals/dialogues/, review by hand: every turn's intent, tools, handoff and reply
# checks; a real description; the orders (they are as the store has them now, not as they
# were during the conversation); free text masking cannot know is personal (names the bot
# never looked up, order notes, neighbourhoods, cities). Each turn's `# bot:` lines are the
# reply the bot sent in production.
"""


@dataclass(frozen=True, slots=True)
class RecordedFile:
    """A rendered dialogue file and what went into it (counts only: safe to log)."""

    text: str
    dialogues: int
    turns: int
    masked: Mapping[Kind, int]
    orders: int = 0
    """Store orders written into the dialogues' own stores."""


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
    for order in conversation.orders:
        for name in order_names(order):
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
    orders = mask_orders(conversation.orders, masker)
    dialogue: dict[str, Any] = {
        "id": dialogue_id,
        "description": (
            f"Recorded conversation, {len(turns)} turn(s){about}; "
            "the expectations are what the bot did: review them."
        ),
        "tags": ["recorded", "handoff"] if handoffs else ["recorded"],
        "store": {"orders": orders} if orders else "demo",
        "customer": customer,
    }
    if conversation.started_at is not None:
        local = conversation.started_at.astimezone(STORE_TIMEZONE)
        dialogue["clock"] = local.isoformat(timespec="seconds")
    dialogue["turns"] = turns
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
        orders=sum(len(c.orders) for c in conversations),
    )
