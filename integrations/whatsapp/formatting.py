"""Turn one outgoing message into the Graph API payloads that respect WhatsApp's limits.

The graph writes messages as small dicts (`OutgoingMessage`); Meta refuses a payload that
breaks a limit with a 400, and a refused reply is a customer left without an answer. So the
limits are enforced here, before sending, and never by cutting words:

- text: at most 4096 characters; longer text becomes several messages, split on
  paragraph, line, sentence or word boundaries (mid-word only for a single longer word).
- reply buttons: at most 3, titles up to 20 characters (longer ones end in "…"), ids
  and titles unique (a repeat gets a "~2" suffix); the interactive body holds 1024
  characters, so longer text goes first as text messages.
  More than 3 options become a list, which is how WhatsApp shows up to 10 choices.
- lists: at most 10 rows per message, row titles up to 24, descriptions up to 72, ids
  unique, the button label up to 20; more rows are split over several lists, in order,
  never dropped, since a customer's order or option silently missing is worse than two
  messages.
- templates: body parameters as text components; Meta refuses parameters holding new
  lines, tabs or more than 4 spaces in a row, so those are flattened.
- photos and files: an uploaded media id with a caption of at most 1024 characters (a
  longer text goes first, as text messages); a file keeps its name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal, Required, TypedDict

TEXT_LIMIT = 4096
INTERACTIVE_BODY_LIMIT = 1024
MAX_BUTTONS = 3
BUTTON_TITLE_LIMIT = 20
BUTTON_ID_LIMIT = 256
MAX_ROWS = 10
ROW_TITLE_LIMIT = 24
ROW_DESCRIPTION_LIMIT = 72
ROW_ID_LIMIT = 200
LIST_BUTTON_LIMIT = 20
DEFAULT_LIST_BUTTON = "Ver opções"
MORE_OPTIONS = "Mais opções:"
DEFAULT_LANGUAGE = "pt_BR"
CAPTION_LIMIT = 1024
ELLIPSIS = "…"

Payload = dict[str, Any]

_LINK = re.compile(r"https?://\S|www\.\S", re.IGNORECASE)
_SEPARATORS = (re.compile(r"\n\s*\n"), re.compile(r"\n"), re.compile(r"[.!?…][\"')\]]*\s"))
_SPACE = re.compile(r"\s")
_TEMPLATE_SPACES = re.compile(r"[\t\r\n]+| {4,}")


class Button(TypedDict):
    """A reply button: `id` comes back in the webhook when the customer taps `title`."""

    id: str
    title: str


class Row(TypedDict, total=False):
    """One option of a list message."""

    id: Required[str]
    title: Required[str]
    description: str


class Template(TypedDict, total=False):
    """An approved template, the only message allowed outside the 24 h window."""

    name: Required[str]
    language: str
    parameters: list[str]


class OutgoingMessage(TypedDict, total=False):
    """One message as the agent writes it (the shape of `agent.state.OutboundMessage`)."""

    type: Required[Literal["text", "buttons", "list", "template", "image", "document"]]
    text: str
    """The message text; for a template, the same words for logs and tests."""
    buttons: list[Button]
    button: str
    """The label of the button that opens a list."""
    rows: list[Row]
    template: Template
    media_id: str
    """A photo's or file's id from the Graph API's media upload."""
    filename: str
    """The name a file is shown under."""


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut `text` into chunks of at most `limit` characters at the most natural boundary.

    Chunks are stripped of surrounding whitespace and never empty; words are only cut
    when a single word is longer than `limit`.
    """
    return [text[start:end] for start, end in _spans(text, limit)]


def has_link(text: str) -> bool:
    """True when the text holds a URL, so WhatsApp should render its preview."""
    return _LINK.search(text) is not None


def truncate(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, ending in an ellipsis when it was cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def build_payloads(to: str, message: Mapping[str, Any]) -> list[Payload]:
    """The Graph API payloads, in sending order, that deliver one outgoing message."""
    kind = message.get("type")
    text = str(message.get("text") or "")
    if kind == "text":
        bodies = text_bodies(text)
    elif kind == "buttons":
        bodies = button_bodies(text, message.get("buttons") or [])
    elif kind == "list":
        label = str(message.get("button") or DEFAULT_LIST_BUTTON)
        bodies = list_bodies(text, message.get("rows") or [], button=label)
    elif kind == "template":
        template = message.get("template")
        if not isinstance(template, Mapping) or not template.get("name"):
            raise ValueError("a template message needs template.name")
        bodies = [template_body(template)]
    elif kind in ("image", "document"):
        bodies = media_bodies(str(kind), text, message)
    else:
        raise ValueError(f"unknown outgoing message type {kind!r}")
    return [
        {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **b}
        for b in bodies
    ]


def media_bodies(kind: str, caption: str, message: Mapping[str, Any]) -> list[Payload]:
    """A photo or file by its uploaded id; a caption past WhatsApp's limit goes before it."""
    media_id = message.get("media_id")
    if not isinstance(media_id, str) or not media_id:
        raise ValueError(f"an {kind} message needs a media_id")
    lead: list[Payload] = []
    if len(caption) > CAPTION_LIMIT:
        lead, caption = text_bodies(caption), ""
    media: dict[str, str] = {"id": media_id}
    if caption:
        media["caption"] = caption
    if kind == "document" and message.get("filename"):
        media["filename"] = str(message["filename"])
    return [*lead, {"type": kind, kind: media}]


def text_bodies(text: str) -> list[Payload]:
    """One text payload per chunk; `preview_url` only where the chunk has a link."""
    chunks = split_text(text)
    if not chunks:
        raise ValueError("a text message needs some text")
    return [
        {"type": "text", "text": {"body": chunk, "preview_url": has_link(chunk)}}
        for chunk in chunks
    ]


def button_bodies(text: str, buttons: Sequence[Mapping[str, Any]]) -> list[Payload]:
    """Reply buttons under the text's last part; more than 3 options become a list."""
    if not buttons:
        return text_bodies(text)
    if len(buttons) > MAX_BUTTONS:
        rows = [Row(id=str(b.get("id", "")), title=str(b.get("title", ""))) for b in buttons]
        return list_bodies(text, rows, button=DEFAULT_LIST_BUTTON)
    lead, body = _interactive_text(text)
    ids = _unique((str(b.get("id") or i) for i, b in enumerate(buttons)), BUTTON_ID_LIMIT, _cut_id)
    titles = _unique((str(b.get("title", "")) for b in buttons), BUTTON_TITLE_LIMIT, truncate)
    action = {
        "buttons": [
            {"type": "reply", "reply": {"id": id_, "title": title}}
            for id_, title in zip(ids, titles, strict=True)
        ]
    }
    interactive = {"type": "button", "body": {"text": body}, "action": action}
    return [*lead, {"type": "interactive", "interactive": interactive}]


def list_bodies(
    text: str, rows: Sequence[Mapping[str, Any]], *, button: str = DEFAULT_LIST_BUTTON
) -> list[Payload]:
    """List messages of up to 10 rows each; the text heads the first, the rest continue it."""
    if not rows:
        return text_bodies(text)
    lead, body = _interactive_text(text)
    ids = _unique((str(r.get("id") or i) for i, r in enumerate(rows)), ROW_ID_LIMIT, _cut_id)
    built: list[dict[str, str]] = []
    for row, id_ in zip(rows, ids, strict=True):
        title = truncate(str(row.get("title", "")), ROW_TITLE_LIMIT)
        if not title:
            raise ValueError("list rows need a title")
        item = {"id": id_, "title": title}
        description = truncate(str(row.get("description") or ""), ROW_DESCRIPTION_LIMIT)
        if description:
            item["description"] = description
        built.append(item)
    label = truncate(button, LIST_BUTTON_LIMIT) or DEFAULT_LIST_BUTTON
    payloads = list(lead)
    for start in range(0, len(built), MAX_ROWS):
        interactive = {
            "type": "list",
            "body": {"text": body if start == 0 else MORE_OPTIONS},
            "action": {"button": label, "sections": [{"rows": built[start : start + MAX_ROWS]}]},
        }
        payloads.append({"type": "interactive", "interactive": interactive})
    return payloads


def template_body(template: Mapping[str, Any]) -> Payload:
    """A template payload with its body parameters, in the order the template numbers them."""
    body: Payload = {
        "name": str(template["name"]),
        "language": {"code": str(template.get("language") or DEFAULT_LANGUAGE)},
    }
    parameters = [_template_parameter(str(p)) for p in template.get("parameters") or []]
    if parameters:
        body["components"] = [
            {"type": "body", "parameters": [{"type": "text", "text": p} for p in parameters]}
        ]
    return {"type": "template", "template": body}


def _template_parameter(value: str) -> str:
    """Flatten what Meta refuses inside a parameter; an empty one is refused too."""
    return _TEMPLATE_SPACES.sub(" ", value).strip() or "-"


def _interactive_text(text: str) -> tuple[list[Payload], str]:
    """Text messages for what does not fit an interactive body, and the body itself."""
    spans = _spans(text, INTERACTIVE_BODY_LIMIT)
    if not spans:
        raise ValueError("an interactive message needs some text")
    start, end = spans[-1]
    head = text[:start]
    return (text_bodies(head) if head.strip() else []), text[start:end]


def _cut_id(value: str, limit: int) -> str:
    """An id cut to `limit`: ids come back verbatim in webhooks, so no ellipsis or spacing."""
    return value[:limit]


def _unique(values: Iterable[str], limit: int, shorten: Callable[[str, int], str]) -> list[str]:
    """Values shortened to `limit` and made distinct: Meta refuses repeated ids or titles."""
    seen: set[str] = set()
    result = []
    for value in values:
        candidate = shorten(value, limit)
        if not candidate:
            raise ValueError("buttons need a title and an id")
        number = 2
        while candidate in seen:
            suffix = f"~{number}"
            candidate = shorten(value, limit - len(suffix)) + suffix
            number += 1
        seen.add(candidate)
        result.append(candidate)
    return result


def _spans(text: str, limit: int) -> list[tuple[int, int]]:
    """(start, end) of each chunk of `text`, whitespace-trimmed, each at most `limit` long."""
    if limit < 1:
        raise ValueError("the limit must be at least one character")
    spans: list[tuple[int, int]] = []
    position, size = 0, len(text)
    while True:
        while position < size and text[position].isspace():
            position += 1
        if position >= size:
            return spans
        if size - position <= limit:
            end = size
        else:
            end = _cut(text, position, limit)
        stop = end
        while stop > position and text[stop - 1].isspace():
            stop -= 1
        spans.append((position, stop))
        position = end


def _cut(text: str, start: int, limit: int) -> int:
    """Where the chunk starting at `start` should end: the strongest boundary that fits.

    A boundary must leave the chunk at least half full, so one early paragraph break does
    not produce a run of tiny messages; failing that, any space; failing that, a hard cut.
    """
    window_end = start + limit
    window = text[start : window_end + 1]
    for separator in _SEPARATORS:
        ends = [m.end() for m in separator.finditer(window) if m.end() <= limit]
        if ends and ends[-1] >= limit // 2:
            return start + ends[-1]
    spaces = [m.start() for m in _SPACE.finditer(window) if 0 < m.start() <= limit]
    if spaces:
        return start + spaces[-1]
    return window_end
