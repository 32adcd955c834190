"""Reading the conversation history: this turn's tool calls and results, and trimming."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, cast

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, RemoveMessage, ToolMessage

from agent.tool_results import ToolResult


def current_turn(messages: Sequence[AnyMessage]) -> list[AnyMessage]:
    """The messages since the customer's latest message, that message excluded."""
    for index in range(len(messages) - 1, -1, -1):
        if isinstance(messages[index], HumanMessage):
            return list(messages[index + 1 :])
    return list(messages)


def latest_customer_text(messages: Sequence[AnyMessage]) -> str:
    """The text of the customer's latest message ('' before the first one)."""
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            return str(message.content)
    return ""


def previous_turn(messages: Sequence[AnyMessage]) -> list[AnyMessage]:
    """The messages of the turn before the customer's latest message."""
    starts = [i for i, message in enumerate(messages) if isinstance(message, HumanMessage)]
    if len(starts) < 2:
        return []
    return list(messages[starts[-2] + 1 : starts[-1]])


def shown_products(messages: Sequence[AnyMessage]) -> list[str]:
    """The products the bot showed in its last answer, which a follow-up is about.

    "e no M?" and a tapped list row name no product of their own.
    """
    return [
        str(product.get("name", ""))
        for result in tool_results(previous_turn(messages), whole=True)
        if result.get("tool") == "search_products"
        for product in result.get("products", [])
    ]


def tool_results(messages: Sequence[AnyMessage], *, whole: bool = False) -> list[ToolResult]:
    """This turn's tool results, each the tool's JSON payload plus its `tool` name.

    `whole` reads every tool result of `messages` instead (a turn already cut out).
    """
    results: list[ToolResult] = []
    for message in messages if whole else current_turn(messages):
        if not isinstance(message, ToolMessage):
            continue
        try:
            payload = json.loads(message.content) if isinstance(message.content, str) else {}
        except json.JSONDecodeError:
            payload = {"error": "unreadable", "detail": str(message.content)[:200]}
        if not isinstance(payload, dict):
            payload = {"result": payload}
        # The JSON our own tools wrote: this is where it becomes the shape they promise.
        results.append(cast(ToolResult, {"tool": message.name, **payload}))
    return results


def tool_calls(messages: Sequence[AnyMessage]) -> list[dict[str, Any]]:
    """This turn's tool calls as `{name, args}`."""
    calls: list[dict[str, Any]] = []
    for message in current_turn(messages):
        if isinstance(message, AIMessage):
            calls.extend({"name": c["name"], "args": c["args"]} for c in message.tool_calls)
    return calls


def trim_to_recent_turns(messages: Sequence[AnyMessage], turns: int) -> list[RemoveMessage]:
    """Removals that keep only the last `turns` customer turns.

    Cutting at a customer message keeps every tool result next to the call that produced
    it, so the history stays valid for any chat model.
    """
    starts = [i for i, message in enumerate(messages) if isinstance(message, HumanMessage)]
    if len(starts) <= turns:
        return []
    cut = starts[-turns]
    return [RemoveMessage(id=message.id) for message in messages[:cut] if message.id]
