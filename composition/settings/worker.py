"""How workers and senders share the queues: locks, claims, debounce and the flood limit.

ATENDENTE_*.
"""

from __future__ import annotations

from pydantic import Field

from composition.settings.base import SystemSettings, env_names


class WorkerSettings(SystemSettings):
    """How workers and senders share the queues: locks, claims, debounce and the flood limit."""

    turn_lock_seconds: float = Field(
        180.0, ge=1, le=3600, validation_alias=env_names("ATENDENTE_TURN_LOCK_SECONDS")
    )
    """A turn holds its customer's lock at most this long; it must outlast the slowest turn
    (with the model: a few requests of ATENDENTE_LLM_TIMEOUT_SECONDS each)."""
    claim_idle_seconds: float = Field(
        200.0, ge=0.1, le=3600, validation_alias=env_names("ATENDENTE_CLAIM_IDLE_SECONDS")
    )
    """An inbound message a worker took but did not finish in this long is taken over by
    another worker (the first one died); longer than the turn lock, so a slow turn is
    never run twice at once."""
    outbox_claim_idle_seconds: float = Field(
        60.0, ge=1, le=3600, validation_alias=env_names("ATENDENTE_OUTBOX_CLAIM_IDLE_SECONDS")
    )
    """An outbox entry a sender took and did not finish in this long is retried by another
    sender; an uncertain part is first reconciled against Meta's status webhooks."""
    debounce_seconds: float = Field(
        2.0, ge=0, le=30, validation_alias=env_names("ATENDENTE_DEBOUNCE_SECONDS")
    )
    """A burst of messages within this window is answered as one turn."""
    flood_limit_per_minute: int = Field(
        20, ge=1, validation_alias=env_names("ATENDENTE_FLOOD_LIMIT_PER_MINUTE")
    )
    """More messages than this from one customer in a minute get one notice, then silence."""
