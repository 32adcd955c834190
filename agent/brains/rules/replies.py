"""The rules brain's reply: short, warm pt-BR paragraphs assembled from the turn's facts.

Facts come from `outcome` (identity check, handoff, empty or media turns) and from this
turn's tool results; the words come from the store's templates (`agent.store_voice`).
Nothing here looks anything up, and nothing promises what the bot cannot do.
"""

from __future__ import annotations

from langchain_core.messages import AIMessage

from agent.brains.rules import order_replies
from agent.brains.rules.identity_replies import identity_section
from agent.brains.rules.openings import acknowledgement, greeting, salutation
from agent.brains.rules.store_answers import store_message, store_sections
from agent.history import tool_results
from agent.intents import spec
from agent.state import AgentState, HandoffOutcome, OutboundMessage
from agent.store_profile import StoreProfile
from agent.store_voice.templates import ReplyTemplates
from agent.understanding import Intent
from tools.handoff_reasons import base_reason

MENU = ("order_status", "payment", "human_agent")
"""The reply buttons under a greeting or a fallback, by the intent each one asks for."""


def menu_buttons(replies: ReplyTemplates) -> list[dict[str, str]]:
    """The menu's reply buttons, titled in the store's words."""
    return [{"id": f"menu_{intent}", "title": replies.text(f"menu.{intent}")} for intent in MENU]


def media_reply(media: str, replies: ReplyTemplates, *, unheard: bool) -> str:
    """The answer to media with no text; `unheard` is a voice note we failed to transcribe."""
    if media == "audio" and unheard:
        return replies.text("media.audio_failed")
    key = f"media.{media}"
    return replies.text(key if key in replies else "media.document")


def _is_first_reply(state: AgentState) -> bool:
    """True when the bot has not spoken yet in this conversation."""
    return not any(
        isinstance(message, AIMessage) and not message.tool_calls
        for message in state.get("messages", [])
    )


def _handoff_section(handoff: HandoffOutcome, replies: ReplyTemplates) -> str:
    """Why a person takes over, who, the protocol, and when they will answer."""
    intro = f"handoff.intro.{base_reason(handoff['reason'])}"
    passing = replies.text("handoff.passing", department=handoff["label"], ticket=handoff["ticket"])
    when = (
        replies.text("handoff.open_now")
        if handoff["open_now"]
        else replies.text("handoff.closed_now", hours=handoff["hours"])
    )
    parts = (replies.text(intro) if intro in replies else "", passing, when)
    return " ".join(part for part in parts if part).strip()


def _tool_sections(state: AgentState, store: StoreProfile) -> tuple[list[str], str | None]:
    """One paragraph per tool result, plus the owner's first name when an order showed it."""
    results = tool_results(state.get("messages", []))
    tracked = {r.get("order_number") for r in results if r.get("tool") == "track_order"}
    replies = store.replies
    sections: list[str] = []
    name: str | None = None
    for result in results:
        tool = result.get("tool")
        if result.get("error") == "order_not_available":
            sections.append(replies.text("order.not_available"))
            continue
        if tool == "get_order":
            name = name or result.get("customer_first_name")
            followed = result.get("order_number") in tracked
            sections.append(order_replies.order_section(result, replies, tracked=followed))
        elif tool in ("track_order", "track_package"):
            sections.append(order_replies.tracking_section(result, replies))
        elif tool == "list_my_orders":
            sections.append(order_replies.orders_list_section(result, replies))
        elif tool == "get_payment_info":
            sections.append(order_replies.payment_section(result, replies, store.url))
        elif tool == "request_refund":
            sections.extend(filter(None, [order_replies.refund_section(result, replies)]))
        elif tool == "request_cancellation":
            sections.extend(filter(None, [order_replies.cancellation_section(result, replies)]))
    sections.extend(store_sections(results, store.url, replies))
    return sections, name


def _info_sections(intents: list[Intent], store: StoreProfile) -> list[str]:
    """Answers that need no tool: the store's public facts, a thank-you."""
    answers = (spec(intent).answer for intent in intents)
    return [answer(store) for answer in answers if answer is not None]


BRIEF_WORDS = 3
"""A message this short that nothing matched may honestly be told it was not understood."""


def _fallback(state: AgentState, replies: ReplyTemplates) -> str:
    """The answer when no request was understood: never "não entendi" to a real complaint."""
    outcome = state.get("outcome", {})
    if outcome.get("truncated"):
        return replies.text("fallback.too_long")
    opening = acknowledgement(state, replies)
    words = len(str(state["inbound"].get("text") or "").split())
    if opening is None and words <= BRIEF_WORDS:
        return replies.text("fallback.not_understood")
    ask = replies.text("fallback.clarify")
    return f"{opening} {ask}" if opening else ask


def _special_turn(state: AgentState, replies: ReplyTemplates) -> list[OutboundMessage] | None:
    """Empty and media-only turns, which have a fixed answer."""
    outcome = state.get("outcome", {})
    if outcome.get("empty"):
        text = replies.text("fallback.empty")
        return [OutboundMessage(type="buttons", text=text, buttons=menu_buttons(replies))]
    media = outcome.get("media")
    if media and not state["inbound"].get("text"):
        text = media_reply(media, replies, unheard=bool(outcome.get("unheard")))
        return [OutboundMessage(type="text", text=text)]
    return None


def _sections(state: AgentState, store: StoreProfile) -> tuple[list[str], str | None]:
    """The reply's paragraphs in order, without repeats, and the customer's first name."""
    request = state.get("request", {})
    intents = list(request.get("intents", []))
    sections, name = _tool_sections(state, store)
    identity = identity_section(state.get("outcome", {}), request, store.replies)
    if identity:
        sections.insert(0, identity)
    sections.extend(_info_sections(intents, store))
    if handoff := state.get("outcome", {}).get("handoff"):
        sections.append(_handoff_section(handoff, store.replies))
    return list(dict.fromkeys(sections)), name


def compose_reply(state: AgentState, store: StoreProfile) -> list[OutboundMessage]:
    """Assemble the turn's outgoing messages; there is always at least one."""
    replies = store.replies
    special = _special_turn(state, replies)
    if special is not None:
        return special
    intents = list(state.get("request", {}).get("intents", []))
    opening = acknowledgement(state, replies)
    sections, name = _sections(state, store)
    if not sections:
        buttons = menu_buttons(replies)
        if "greeting" in intents:
            text = greeting(store.name, name, replies, first=_is_first_reply(state))
            return [OutboundMessage(type="buttons", text=text, buttons=buttons)]
        return [OutboundMessage(type="buttons", text=_fallback(state, replies), buttons=buttons)]
    if opening:
        sections[0] = f"{opening} {sections[0]}"
    social_only = set(intents) <= {"thanks"}
    if ("greeting" in intents or _is_first_reply(state)) and not social_only:
        sections[0] = f"{salutation(name, replies)} {sections[0]}"
    text = "\n\n".join(sections)
    interactive = store_message(tool_results(state.get("messages", [])), text, replies)
    return [interactive or OutboundMessage(type="text", text=text)]
