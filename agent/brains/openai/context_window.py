"""Bound the conversation history a prompt carries, however long the chat gets.

Whole customer turns are dropped from the oldest end until the rest fits the token budget.
Cutting only at a customer message keeps every tool result next to the call that produced
it (a chat API rejects an orphan tool message), and the newest turn is always kept. The
facts that must outlive the window (verified orders, a pending request) travel in the
prompt's facts block, not in old messages.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage
from langchain_core.messages.utils import count_tokens_approximately


def _turns(messages: Sequence[AnyMessage]) -> list[list[AnyMessage]]:
    """The history split into turns, each starting at a customer message."""
    turns: list[list[AnyMessage]] = []
    for message in messages:
        if isinstance(message, HumanMessage) or not turns:
            turns.append([])
        turns[-1].append(message)
    return turns


def recent_history(messages: Sequence[AnyMessage], max_tokens: int) -> list[AnyMessage]:
    """The newest whole turns whose approximate token count fits `max_tokens`."""
    turns = _turns(messages)
    if turns and not isinstance(turns[0][0], HumanMessage):
        turns = turns[1:]  # a leading fragment has lost its customer message
    kept: list[list[AnyMessage]] = []
    used = 0
    for turn in reversed(turns):
        size = count_tokens_approximately(turn)
        if kept and used + size > max_tokens:
            break
        kept.append(turn)
        used += size
    return [message for turn in reversed(kept) for message in turn]


def conversation_text(messages: Sequence[AnyMessage]) -> list[AnyMessage]:
    """Only what was said (customer and bot words), for prompts that need no tool traffic."""
    said: list[AnyMessage] = []
    for message in messages:
        if isinstance(message, ToolMessage):
            continue
        if isinstance(message, AIMessage):
            if message.tool_calls or not message.content:
                continue
            said.append(AIMessage(content=message.content))
            continue
        said.append(message)
    return said
