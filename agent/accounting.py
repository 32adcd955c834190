"""What each turn spent on the model: calls, tokens, cost and latency.

A brain is shared by every turn the process runs at once, so the calls of one turn are
collected in a ledger bound to that turn's context (a `ContextVar` set by `run_turn`):
LangGraph runs each node in a copy of the caller's context, and the copy still points at
the same ledger. Without a ledger (a brain used on its own) recording is a no-op.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

CallKind = Literal["classify", "act", "reply"]
"""What a model request was for: the three brain steps that may ask the model."""

CallOutcome = Literal["ok", "error", "malformed"]


@dataclass(frozen=True, slots=True)
class LLMCall:
    """One request to the model."""

    kind: CallKind
    model: str
    outcome: CallOutcome
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    seconds: float
    error: str | None = None
    """The exception's class name when the request failed; never its message (PII)."""


@dataclass(slots=True)
class TurnLedger:
    """The model requests of one turn, plus what the brain did with them."""

    calls: list[LLMCall] = field(default_factory=list)
    fallbacks: list[str] = field(default_factory=list)
    """Steps the rules brain answered because the model failed ("classify", "act", "reply")."""
    guard_blocks: list[str] = field(default_factory=list)
    """Reasons the output guard refused a model-written reply."""
    model: str | None = None
    prompt_version: str | None = None

    def summary(self) -> dict[str, Any]:
        """The turn's totals, as stored in the state and printed in reports."""
        return {
            "calls": len(self.calls),
            "prompt_tokens": sum(c.prompt_tokens for c in self.calls),
            "completion_tokens": sum(c.completion_tokens for c in self.calls),
            "cost_usd": round(sum(c.cost_usd for c in self.calls), 8),
            "seconds": round(sum(c.seconds for c in self.calls), 6),
            "model": self.model,
            "prompt_version": self.prompt_version,
            "fallbacks": list(self.fallbacks),
            "guard_blocks": list(self.guard_blocks),
            "log": [asdict(call) for call in self.calls],
        }


class LLMPrice(BaseModel):
    """List price of a model in USD per million tokens."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)


_CURRENT: ContextVar[TurnLedger | None] = ContextVar("atendente_turn_ledger", default=None)


@contextmanager
def turn_ledger() -> Iterator[TurnLedger]:
    """Collect the model requests made while the block runs (one turn)."""
    ledger = TurnLedger()
    token = _CURRENT.set(ledger)
    try:
        yield ledger
    finally:
        _CURRENT.reset(token)


def current_ledger() -> TurnLedger | None:
    """The ledger of the turn being run, if any."""
    return _CURRENT.get()


def cost_usd(prices: Mapping[str, LLMPrice], model: str, prompt: int, completion: int) -> float:
    """The list price of one request.

    A model missing from the table costs 0, visible as such in reports, rather than a guess.
    """
    price = prices.get(model)
    if price is None:
        # Dated snapshots ("gpt-4o-2024-08-06") are billed as their family.
        family = max((name for name in prices if model.startswith(name)), key=len, default=None)
        price = prices.get(family) if family else None
    if price is None:
        return 0.0
    return (prompt * price.input + completion * price.output) / 1_000_000


def record_call(call: LLMCall) -> None:
    """Add a request to the current turn's ledger."""
    ledger = _CURRENT.get()
    if ledger is not None:
        ledger.calls.append(call)


def record_fallback(step: str) -> None:
    """Note that the rules brain stood in for the model at `step`."""
    ledger = _CURRENT.get()
    if ledger is not None:
        ledger.fallbacks.append(step)


def record_guard_block(reason: str) -> None:
    """Note that the output guard refused a model-written reply, and why."""
    ledger = _CURRENT.get()
    if ledger is not None:
        ledger.guard_blocks.append(reason)


def note_brain(model: str, prompt_version: str) -> None:
    """Stamp the turn with the model and prompt version that served it."""
    ledger = _CURRENT.get()
    if ledger is not None:
        ledger.model = model
        ledger.prompt_version = prompt_version


EMPTY_USAGE: dict[str, Any] = TurnLedger().summary()
"""The usage of a turn that made no model request."""
