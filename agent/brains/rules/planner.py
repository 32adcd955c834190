"""Tool choice without a model: a fixed plan per intent, with one follow-up round.

The plan only names tools the graph offered for the request's intents; identity never
appears in the arguments because the tools read it from graph state.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import ToolCall

from agent.brains.rules.complaints import says_not_received, says_paid
from agent.history import latest_customer_text, shown_products, tool_calls, tool_results
from agent.intents import planned_call
from agent.state import AgentState, Request
from agent.understanding import Intent

_FOLLOW_UP_STAGES = {"shipped", "delivered"}


def _call(name: str, **args: Any) -> ToolCall:
    key = f"{name}:{json.dumps(args, sort_keys=True)}".encode()
    return ToolCall(name=name, args=args, id=f"rules-{hashlib.sha1(key).hexdigest()[:12]}")


def _not_received(state: AgentState) -> dict[str, bool]:
    """The tracking flag for a customer who says the package never arrived."""
    if says_not_received(latest_customer_text(state.get("messages", []))):
        return {"customer_says_not_received": True}
    return {}


def _paid(state: AgentState) -> dict[str, bool]:
    """The payment flag for a customer who says they already paid."""
    if says_paid(latest_customer_text(state.get("messages", []))):
        return {"customer_says_paid": True}
    return {}


def _flags(tool: str, state: AgentState) -> dict[str, bool]:
    """What the customer claimed, for the tools that take it into account."""
    if tool in ("track_order", "track_package"):
        return _not_received(state)
    if tool == "get_payment_info":
        return _paid(state)
    return {}


def _about(tool: str, state: AgentState) -> dict[str, str]:
    """The product a catalog follow-up ("e no M?") is about: the one just shown, if one."""
    shown = shown_products(state.get("messages", []))
    if tool == "search_products" and len(shown) == 1:
        return {"about": shown[0]}
    return {}


def _intent_call(intent: Intent, request: Request, state: AgentState) -> ToolCall | None:
    """The call an intent's plan makes for what the request carries, with the flags."""
    question = latest_customer_text(state.get("messages", []))
    planned = planned_call(
        intent, request.get("order_number"), request.get("tracking_code"), question
    )
    if planned is None:
        return None
    tool, args = planned
    return _call(tool, **args, **_flags(tool, state), **_about(tool, state))


def _first_round(state: AgentState) -> list[ToolCall]:
    """The calls that answer each intent of the request."""
    request = state.get("request", {})
    calls = [_intent_call(intent, request, state) for intent in request.get("intents", [])]
    return [call for call in calls if call is not None]


def _follow_ups(state: AgentState) -> list[ToolCall]:
    """What an order's stage calls for next, so one answer carries all the customer needs.

    A shipped order gets its tracking; an unpaid one gets its payment link.
    """
    calls: list[ToolCall] = []
    for result in tool_results(state.get("messages", [])):
        if result.get("tool") != "get_order":
            continue
        number = result["order_number"]
        if result.get("stage") in _FOLLOW_UP_STAGES and result.get("tracking_code"):
            calls.append(_call("track_order", order_number=number, **_not_received(state)))
        elif result.get("stage") == "awaiting_payment":
            calls.append(_call("get_payment_info", order_number=number, **_paid(state)))
    return calls


def _store_follow_ups(state: AgentState) -> list[ToolCall]:
    """A question one search could not place may be for the other.

    "tem tabela de medidas?" names no product but the store has a page on it; "quais
    blusas vocês têm?" reads like a store question but the catalog answers it.
    """
    question = latest_customer_text(state.get("messages", []))
    for result in tool_results(state.get("messages", [])):
        tool = result.get("tool")
        if tool == "search_products" and result.get("catalog") in ("none", "unnamed"):
            return [_call("search_knowledge", question=question)]
        if tool == "search_knowledge" and result.get("knowledge") == "unknown":
            return [_call("search_products", question=question)]
    return []


def plan(state: AgentState, offered: Sequence[str]) -> list[ToolCall]:
    """The next tool calls: first the plan, then follow-ups; never a call made twice."""
    made = {
        (call["name"], json.dumps(call["args"], sort_keys=True))
        for call in tool_calls(state.get("messages", []))
    }
    candidates = [*_follow_ups(state), *_store_follow_ups(state)] if made else _first_round(state)
    unique: dict[tuple[str, str], ToolCall] = {}
    for call in candidates:
        key = (call["name"], json.dumps(call["args"], sort_keys=True))
        if call["name"] in offered and key not in made:
            unique.setdefault(key, call)
    return list(unique.values())
