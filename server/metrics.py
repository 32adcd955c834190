"""Prometheus metrics: what the agent did (turns, handoffs, sends, LLM use) and its backlog.

Each `Metrics` owns its own `CollectorRegistry` instead of the process-wide default, so a test
builds a fresh one and sees only its own samples. The process shares `METRICS`, and the
module-level helpers (`record_turn`, `record_send`, ...) record into it, so callers need no
object passed around. Counters are per process: Prometheus scrapes each server or worker
process and sums them.

Queue gauges are not kept up to date by the workers; they are read from Redis when scraped
(`refresh_queue_gauges`), so they are right whichever process or host does the work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.exposition import choose_encoder
from redis.exceptions import ResponseError

from agent.turn import TurnResult
from integrations.redis.client import RedisClient

TurnOutcome = Literal["answered", "handoff", "silent", "error"]
SendOutcome = Literal["sent", "retried", "failed", "template", "reconciled"]

TURN_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)
"""From a rules-brain turn (milliseconds) to a slow LLM turn with tool rounds (a minute)."""
NODE_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@dataclass(frozen=True, slots=True)
class _QueueReading:
    depth: int
    pending: int | None
    lag_seconds: float | None


def turn_outcome(result: TurnResult) -> TurnOutcome:
    """How a finished turn ended; a handoff counts as such even though it also replies."""
    if result.handoff:
        return "handoff"
    return "answered" if result.messages else "silent"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _entry_ms(entry_id: Any) -> int:
    return int(_text(entry_id).split("-", 1)[0])


async def _read_queue(redis: RedisClient, stream: str, group: str, now_ms: int) -> _QueueReading:
    """Depth, pending count and age of the oldest entry the group has not acknowledged."""
    depth = int(await redis.xlen(stream))
    try:
        groups: Any = await redis.xinfo_groups(stream)
    except ResponseError:  # no such stream yet
        return _QueueReading(depth, None, None)
    info = next((g for g in groups if _text(g["name"]) == group), None)
    if info is None:
        return _QueueReading(depth, None, None)
    summary: Any = await redis.xpending(stream, group)
    oldest: list[int] = []
    if summary["pending"]:
        oldest.append(_entry_ms(summary["min"]))
    undelivered: Any = await redis.xrange(
        stream, min=f"({_text(info['last-delivered-id'])}", count=1
    )
    if undelivered:
        oldest.append(_entry_ms(undelivered[0][0]))
    lag = max(0.0, (now_ms - min(oldest)) / 1000) if oldest else 0.0
    return _QueueReading(depth, int(summary["pending"]), lag)


class Metrics:
    """Every series the service exports, in a registry of its own."""

    def __init__(self) -> None:
        """Create the registry, the process collectors and every metric.

        Long, and flat on purpose: one statement per series, each with its help text, so
        the whole list of what `/metrics` exports reads in one place.
        """
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        reg = self.registry
        self.turns = Counter(
            "atendente_turns",
            "Customer turns run, by brain and outcome.",
            ["brain", "outcome"],
            registry=reg,
        )
        self.turn_seconds = Histogram(
            "atendente_turn_seconds",
            "Wall time of one turn through the graph.",
            ["brain"],
            buckets=TURN_BUCKETS,
            registry=reg,
        )
        self.node_seconds = Histogram(
            "atendente_node_seconds",
            "Wall time of one graph node within a turn.",
            ["node"],
            buckets=NODE_BUCKETS,
            registry=reg,
        )
        self.queue_depth = Gauge(
            "atendente_queue_depth",
            "Entries in a queue's stream (XLEN).",
            ["queue"],
            registry=reg,
        )
        self.queue_pending = Gauge(
            "atendente_queue_pending",
            "Entries delivered to a worker and not yet acknowledged.",
            ["queue"],
            registry=reg,
        )
        self.queue_lag = Gauge(
            "atendente_queue_lag_seconds",
            "Age of the oldest entry the consumer group has not acknowledged (0 when idle).",
            ["queue"],
            registry=reg,
        )
        self.handoffs = Counter(
            "atendente_handoffs",
            "Conversations handed to a department.",
            ["department"],
            registry=reg,
        )
        self.tool_errors = Counter(
            "atendente_tool_errors", "Tool calls that failed, by tool.", ["tool"], registry=reg
        )
        self.sends = Counter(
            "atendente_sends", "WhatsApp send attempts, by outcome.", ["outcome"], registry=reg
        )
        self.llm_calls = Counter(
            "atendente_llm_calls",
            "LLM requests, by model and purpose.",
            ["model", "kind"],
            registry=reg,
        )
        self.llm_tokens = Counter(
            "atendente_llm_tokens",
            "LLM tokens, by model, purpose and type (input or output).",
            ["model", "kind", "type"],
            registry=reg,
        )
        self.llm_cost = Counter(
            "atendente_llm_cost_usd",
            "List-price cost of LLM requests in US dollars, by model.",
            ["model"],
            registry=reg,
        )
        self.llm_seconds = Histogram(
            "atendente_llm_seconds",
            "Wall time of one LLM request, retries included, by purpose.",
            ["kind"],
            buckets=TURN_BUCKETS,
            registry=reg,
        )
        self.llm_failures = Counter(
            "atendente_llm_failures",
            "LLM requests that failed or stayed malformed, by purpose and outcome.",
            ["kind", "outcome"],
            registry=reg,
        )
        self.llm_fallbacks = Counter(
            "atendente_llm_fallbacks",
            "Brain steps the rules answered because the model failed, by step.",
            ["step"],
            registry=reg,
        )
        self.reply_guard_blocks = Counter(
            "atendente_reply_guard_blocks",
            "Model-written replies the output guard refused, by reason.",
            ["reason"],
            registry=reg,
        )

    def record_turn(
        self,
        result: TurnResult,
        seconds: float,
        brain: str,
        node_seconds: Mapping[str, float] | None = None,
    ) -> None:
        """Count a finished turn, its latency, its nodes' latencies and any handoff it made.

        Args:
            result: What `run_turn` returned.
            seconds: Wall time of the whole turn.
            brain: The brain that ran it (`Brain.name`: "rules" or "openai").
            node_seconds: Seconds spent in each node during the turn, when measured.
        """
        self.turns.labels(brain=brain, outcome=turn_outcome(result)).inc()
        self.turn_seconds.labels(brain=brain).observe(seconds)
        for node, spent in (node_seconds or {}).items():
            self.node_seconds.labels(node=node).observe(spent)
        if result.handoff:
            self.record_handoff(result.handoff["department"])
        self.record_llm_usage(result.llm)

    def record_llm_usage(self, usage: Mapping[str, Any]) -> None:
        """Count a turn's LLM requests, cost, latency, fallbacks and guard refusals."""
        for call in usage.get("log") or []:
            model, kind = str(call["model"]), str(call["kind"])
            self.record_llm_call(
                model,
                kind,
                input_tokens=int(call["prompt_tokens"]),
                output_tokens=int(call["completion_tokens"]),
            )
            self.llm_cost.labels(model=model).inc(float(call["cost_usd"]))
            self.llm_seconds.labels(kind=kind).observe(float(call["seconds"]))
            if call["outcome"] != "ok":
                self.llm_failures.labels(kind=kind, outcome=str(call["outcome"])).inc()
        for step in usage.get("fallbacks") or []:
            self.llm_fallbacks.labels(step=step).inc()
        for reason in usage.get("guard_blocks") or []:
            self.reply_guard_blocks.labels(reason=reason).inc()

    def record_turn_error(self, seconds: float, brain: str) -> None:
        """Count a turn that raised, so failures show beside the turns that finished."""
        self.turns.labels(brain=brain, outcome="error").inc()
        self.turn_seconds.labels(brain=brain).observe(seconds)

    def record_handoff(self, department: str) -> None:
        """Count a handoff made outside a turn (an admin or automation opening a ticket)."""
        self.handoffs.labels(department=department).inc()

    def record_tool_error(self, tool: str) -> None:
        """Count a tool call that failed (its error went back to the brain)."""
        self.tool_errors.labels(tool=tool).inc()

    def record_send(self, outcome: SendOutcome) -> None:
        """Count one WhatsApp send attempt by how it ended."""
        self.sends.labels(outcome=outcome).inc()

    def record_llm_call(
        self, model: str, kind: str, *, input_tokens: int = 0, output_tokens: int = 0
    ) -> None:
        """Count one LLM request and the tokens it used; `kind` is its purpose, e.g. "classify"."""
        self.llm_calls.labels(model=model, kind=kind).inc()
        if input_tokens:
            self.llm_tokens.labels(model=model, kind=kind, type="input").inc(input_tokens)
        if output_tokens:
            self.llm_tokens.labels(model=model, kind=kind, type="output").inc(output_tokens)

    async def refresh_queue_gauges(
        self, redis: RedisClient, queues: Mapping[str, tuple[str, str]]
    ) -> None:
        """Read every queue's depth and lag from Redis and replace the gauges with them.

        Args:
            redis: The shared Redis.
            queues: Queue label -> (stream key, consumer group). A stream without that group
                reports its depth only.

        Raises:
            RedisError: Redis could not be read; the queue gauges are then emptied rather
                than left showing stale numbers.
        """
        try:
            seconds, micros = await redis.time()
            now_ms = seconds * 1000 + micros // 1000
            readings = {
                name: await _read_queue(redis, stream, group, now_ms)
                for name, (stream, group) in queues.items()
            }
        except BaseException:  # a timeout cancels us: empty gauges beat stale ones
            self._set_queue_gauges({})
            raise
        self._set_queue_gauges(readings)

    def _set_queue_gauges(self, readings: Mapping[str, _QueueReading]) -> None:
        for gauge in (self.queue_depth, self.queue_pending, self.queue_lag):
            gauge.clear()
        for name, reading in readings.items():
            self.queue_depth.labels(queue=name).set(reading.depth)
            if reading.pending is not None:
                self.queue_pending.labels(queue=name).set(reading.pending)
            if reading.lag_seconds is not None:
                self.queue_lag.labels(queue=name).set(reading.lag_seconds)

    def render(self, accept: str | None = None) -> tuple[bytes, str]:
        """The exposition body and its content type, in the format the scraper asked for."""
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type


METRICS = Metrics()
"""The process's metrics, served at `/metrics`."""

record_turn = METRICS.record_turn
record_turn_error = METRICS.record_turn_error
record_handoff = METRICS.record_handoff
record_tool_error = METRICS.record_tool_error
record_send = METRICS.record_send
record_llm_call = METRICS.record_llm_call
refresh_queue_gauges = METRICS.refresh_queue_gauges
