"""Tool choice without a model: a fixed plan per intent, with one follow-up round.

The plan only names tools the graph offered for the request's intents; identity never
appears in the arguments because the tools read it from graph state.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import HumanMessage, ToolCall

from agent.brains.rules.complaints import says_not_received, says_paid
from agent.history import tool_calls, tool_results
from agent.state import AgentState

_FOLLOW_UP_STAGES = {"shipped", "delivered"}


def _call(name: str, **args: Any) -> ToolCall:
    key = f"{name}:{json.dumps(args, sort_keys=True)}".encode()
    return ToolCall(name=name, args=args, id=f"rules-{hashlib.sha1(key).hexdigest()[:12]}")


def _latest_text(state: AgentState) -> str:
    latest = next(
        (m for m in reversed(state.get("messages", [])) if isinstance(m, HumanMessage)), None
    )
    return str(latest.content) if latest is not None else ""


def _not_received(state: AgentState) -> dict[str, bool]:
    """The tracking flag for a customer who says the package never arrived."""
    if says_not_received(_latest_text(state)):
        return {"customer_says_not_received": True}
    return {}


def _paid(state: AgentState) -> dict[str, bool]:
    """The payment flag for a customer who says they already paid."""
    if says_paid(_latest_text(state)):
        return {"customer_says_paid": True}
    return {}


def _first_round(state: AgentState) -> list[ToolCall]:
    """The calls that answer each intent of the request."""
    request = state.get("request", {})
    number = request.get("order_number")
    code = request.get("tracking_code")
    flag = _not_received(state)
    calls: list[ToolCall] = []
    for intent in request.get("intents", []):
        if intent == "order_status":
            calls.append(
                _call("get_order", order_number=number) if number else _call("list_my_orders")
            )
        elif intent == "tracking":
            if number:
                calls.append(_call("track_order", order_number=number, **flag))
            elif code:
                calls.append(_call("track_package", tracking_code=code, **flag))
        elif intent == "payment" and number:
            calls.append(_call("get_payment_info", order_number=number, **_paid(state)))
        elif intent == "refund" and number:
            calls.append(_call("request_refund", order_number=number))
        elif intent == "cancel" and number:
            calls.append(_call("request_cancellation", order_number=number))
        elif intent == "exchange_return":
            args = {"order_number": number} if number else {}
            calls.append(_call("request_handoff", reason="exchange_return", **args))
    return calls


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


def plan(state: AgentState, offered: Sequence[str]) -> list[ToolCall]:
    """The next tool calls: first the plan, then follow-ups; never a call made twice."""
    made = {
        (call["name"], json.dumps(call["args"], sort_keys=True))
        for call in tool_calls(state.get("messages", []))
    }
    candidates = _follow_ups(state) if made else _first_round(state)
    unique: dict[tuple[str, str], ToolCall] = {}
    for call in candidates:
        key = (call["name"], json.dumps(call["args"], sort_keys=True))
        if call["name"] in offered and key not in made:
            unique.setdefault(key, call)
    return list(unique.values())
