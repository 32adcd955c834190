"""The conversation state that LangGraph checkpoints for each customer thread.

Fields are plain JSON-friendly dicts and lists so a checkpoint can be stored, encrypted and
replayed by any saver. Fields marked "per turn" are reset by `guard` at the start of a turn.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict

from agent.understanding import Intent
from tools.problems import ProblemType

Awaiting = Literal["order_number", "identity"]


class Inbound(TypedDict, total=False):
    """One inbound customer message as the caller hands it to the graph."""

    text: str
    """The message text ('' for media without a caption)."""
    sender_id: str
    """The WhatsApp user id (wa_id or business-scoped id); also the thread id."""
    phone: str | None
    """The sender's phone in E.164, when WhatsApp shares it."""
    media_type: str | None
    """'image', 'audio', 'video', 'document', 'sticker', 'location' or 'contacts'."""
    message_ids: list[str]
    """The WhatsApp message ids this turn answers (a burst merged into one turn)."""
    media_ids: list[str]
    """WhatsApp media ids of photos, audio or documents sent, kept as evidence on tickets."""
    photo_ids: list[str]
    """The media ids of the photos among them: what a customer shows of a problem."""
    voice_notes: list[VoiceNote]
    """This turn's transcribed voice notes; their words are already in `text`."""
    unheard: bool
    """A voice note could not be downloaded or transcribed, and nothing else was written."""


class VoiceNote(TypedDict):
    """A voice note the worker transcribed before the turn."""

    media_id: str
    transcript: str


class Attachment(TypedDict, total=False):
    """A photo or voice note the customer sent, waiting to go on the next ticket."""

    kind: Literal["photo", "voice_note"]
    media_id: str
    sent_at: str
    """When it arrived (ISO time): after a day it no longer goes with a new ticket."""
    transcript: str
    """A voice note's words."""


class Identity(TypedDict):
    """Who the customer is and what they proved; tools read ownership from here only."""

    sender_id: str
    phone: str | None
    emails: list[str]
    """E-mails the customer gave in this conversation."""
    cpfs: list[str]
    """CPFs (11 digits) the customer gave in this conversation."""


class Request(TypedDict, total=False):
    """What the customer is asking for, kept across turns while we wait for their answer."""

    intents: list[Intent]
    order_number: str | None
    tracking_code: str | None
    problem: ProblemType | None
    """What went wrong, as the customer said it when they made the request."""


class OutboundMessage(TypedDict, total=False):
    """One message for the caller to deliver (WhatsApp text, reply buttons or list)."""

    type: Literal["text", "buttons", "list", "template"]
    text: str
    buttons: list[dict[str, str]]
    """Reply buttons: at most 3, each {'id', 'title'} with a title of at most 20 chars."""
    rows: list[dict[str, str]]
    """A list's options, each {'id', 'title', 'description'}: titles up to 24 chars."""
    button: str
    """The label of the button that opens the list."""
    template: dict[str, Any]
    """An approved template ({'name', 'language', 'parameters'}) for use outside the
    customer's 24 h window; `text` then holds the same words for logs and tests."""


IdentityCheck = Literal[
    "verified",
    "listing",
    "ask_order_number",
    "ask_identity",
    "invalid_proof",
    "mismatch",
    "locked",
    "store_unavailable",
]
"""`verify_identity`'s verdict: the order is theirs, their orders are listed, or what to ask."""


class HandoffOutcome(TypedDict):
    """The handoff opened this turn, as the reply tells it."""

    department: str
    label: str
    """How the customer reads the department: 'nosso time financeiro'."""
    reason: str
    open_now: bool
    hours: str
    ticket: str


class Outcome(TypedDict, total=False):
    """Per turn: the facts the reply is written from, besides the tool results."""

    truncated: bool
    """The message was cut to `max_inbound_chars`."""
    media: str
    """The kind of media sent ('image', 'audio', ...)."""
    empty: bool
    """Nothing was sent: no text and no media."""
    unheard: bool
    """A voice note was sent that could not be transcribed, so the customer is asked to type."""
    identity_check: IdentityCheck
    attempts_left: int
    """Proofs the customer may still give before a person takes over."""
    handoff: HandoffOutcome


class Handoff(TypedDict):
    """An open handoff: a human department owns the thread until it gives it back."""

    department: str
    ticket: str
    reason: str


class AgentState(TypedDict, total=False):
    """The full checkpointed state of one customer conversation."""

    inbound: Inbound
    """The message that started this turn (input)."""
    messages: Annotated[list[AnyMessage], add_messages]
    """Conversation history, trimmed to the last few turns by `guard`."""
    identity: Identity
    """Sender and the proofs of identity given so far."""
    understanding: dict[str, Any]
    """Per turn: the brain's `Understanding` of the inbound text, as a dict."""
    request: Request
    """Per turn: the request being served (this message merged with a pending one)."""
    pending: Request | None
    """A request waiting for the customer's order number or proof of identity."""
    awaiting: Awaiting | None
    """What our last message asked the customer for."""
    failed_attempts: int
    """Proofs of identity that did not match, in a row."""
    verified_orders: list[str]
    """Order numbers this customer has proven to own."""
    focus_order: str | None
    """The order last talked about, which a follow-up ("e quando chega?") refers to."""
    complaints: int
    """Turns in which the customer reported a problem; the third goes to a person."""
    attachments: list[Attachment]
    """Photos and voice notes no ticket holds yet; the next handoff attaches them."""
    handoff_seen_at: str | None
    """When the customer last wrote while a person owns the thread (ISO time), so the bot
    acknowledges the first message after a silence and only that one."""
    outcome: Outcome
    """Per turn: facts for the reply (verification result, empty message, media...)."""
    tool_rounds: int
    """Per turn: how many act -> tools rounds ran, to bound the loop."""
    handoff_reason: str | None
    """Per turn: why `act` or `verify_identity` asks for a human department."""
    handoff: Handoff | None
    """The open handoff; while set, the bot stays silent."""
    outbox: list[OutboundMessage]
    """Per turn: messages for the caller to send; the graph itself sends nothing."""
    llm: dict[str, Any]
    """Per turn: the model's calls, tokens, cost, latency and the prompt version used."""


class TurnInput(TypedDict):
    """The input schema: callers pass only the inbound message."""

    inbound: Inbound
