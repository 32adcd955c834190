"""Metrics: recorded series, the exposition text, and queue gauges read from real streams."""

from __future__ import annotations

import socket

import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from agent.state import OutboundMessage
from agent.turn import TurnResult
from server import metrics
from server.metrics import Metrics
from server.streams import StreamQueue
from tests.support import Say

REPLY: list[OutboundMessage] = [{"type": "text", "text": "Seu pedido foi enviado."}]


def turn(
    messages: list[OutboundMessage] | None = None, handoff: dict[str, str] | None = None
) -> TurnResult:
    return TurnResult(
        intent="order_status",
        entities={},
        path=["guard", "classify_intent", "reply"],
        tools=[],
        messages=messages if messages is not None else [],
        handoff=handoff,
    )


def sample(m: Metrics, name: str, **labels: str) -> float | None:
    return m.registry.get_sample_value(name, labels)


def test_turn_outcomes_latency_nodes_and_handoffs() -> None:
    m = Metrics()
    m.record_turn(turn(REPLY), 0.2, "rules", {"guard": 0.001, "reply": 0.05})
    m.record_turn(turn(REPLY, {"department": "financeiro", "ticket": "T-1"}), 0.4, "rules")
    m.record_turn(turn(), 0.01, "rules")
    m.record_turn_error(1.5, "openai")

    for outcome in ("answered", "handoff", "silent"):
        assert sample(m, "atendente_turns_total", brain="rules", outcome=outcome) == 1
    assert sample(m, "atendente_turns_total", brain="openai", outcome="error") == 1
    assert sample(m, "atendente_turn_seconds_count", brain="rules") == 3
    assert sample(m, "atendente_turn_seconds_sum", brain="rules") == pytest.approx(0.61)
    assert sample(m, "atendente_node_seconds_count", node="reply") == 1
    assert sample(m, "atendente_handoffs_total", department="financeiro") == 1


def test_sends_tool_errors_and_llm_usage() -> None:
    m = Metrics()
    for outcome in ("sent", "sent", "retried", "failed", "template"):
        m.record_send(outcome)  # type: ignore[arg-type]
    m.record_tool_error("get_order")
    m.record_handoff("trocas")
    m.record_llm_call("gpt-4.1-mini", "classify", input_tokens=120, output_tokens=8)
    m.record_llm_call("gpt-4.1-mini", "classify", input_tokens=80)

    assert sample(m, "atendente_sends_total", outcome="sent") == 2
    assert sample(m, "atendente_sends_total", outcome="template") == 1
    assert sample(m, "atendente_tool_errors_total", tool="get_order") == 1
    assert sample(m, "atendente_handoffs_total", department="trocas") == 1
    llm = {"model": "gpt-4.1-mini", "kind": "classify"}
    assert sample(m, "atendente_llm_calls_total", **llm) == 2
    assert sample(m, "atendente_llm_tokens_total", **llm, type="input") == 200
    assert sample(m, "atendente_llm_tokens_total", **llm, type="output") == 8


async def test_a_model_turn_records_its_calls_cost_latency_fallbacks_and_guard_refusals(
    llm_say: Say,
) -> None:
    result = await llm_say("rastrear AA123456785BR")
    result.llm["fallbacks"] = ["classify"]
    result.llm["guard_blocks"] = ["promise"]
    m = Metrics()

    m.record_turn(result, 0.3, "openai")

    call = result.llm["log"][0]
    llm = {"model": "gpt-4o", "kind": "reply"}
    assert sample(m, "atendente_llm_calls_total", **llm) == 1
    assert sample(m, "atendente_llm_tokens_total", **llm, type="input") == call["prompt_tokens"]
    assert sample(m, "atendente_llm_cost_usd_total", model="gpt-4o") == pytest.approx(
        call["cost_usd"]
    )
    assert sample(m, "atendente_llm_seconds_count", kind="reply") == 1
    assert sample(m, "atendente_llm_fallbacks_total", step="classify") == 1
    assert sample(m, "atendente_reply_guard_blocks_total", reason="promise") == 1


def test_exposition_text_holds_the_series() -> None:
    m = Metrics()
    m.record_turn(turn(REPLY), 0.2, "rules", {"reply": 0.05})
    m.record_send("sent")

    body, content_type = m.render()
    text = body.decode()
    assert content_type.startswith("text/plain; version=0.0.4")
    assert 'atendente_turns_total{brain="rules",outcome="answered"} 1.0' in text
    assert 'atendente_node_seconds_bucket{le="0.05",node="reply"} 1.0' in text
    assert 'atendente_sends_total{outcome="sent"} 1.0' in text
    assert "# TYPE atendente_turn_seconds histogram" in text

    body, content_type = m.render("application/openmetrics-text; version=1.0.0")
    assert content_type.startswith("application/openmetrics-text")
    assert body.decode().rstrip().endswith("# EOF")


def test_each_metrics_object_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()
    first.record_send("failed")
    assert sample(second, "atendente_sends_total", outcome="failed") is None


def test_module_helpers_record_into_the_process_metrics() -> None:
    before = sample(metrics.METRICS, "atendente_sends_total", outcome="retried") or 0
    metrics.record_send("retried")
    assert sample(metrics.METRICS, "atendente_sends_total", outcome="retried") == before + 1


async def test_queue_gauges_read_depth_pending_and_lag(redis_client: Redis, prefix: str) -> None:
    queue = StreamQueue(redis_client, f"{prefix}:{{jobs}}")
    await queue.ensure_group()
    seconds, _ = await redis_client.time()
    five_seconds_ago = (seconds - 5) * 1000
    await redis_client.xadd(queue.stream, {"n": "1"}, id=f"{five_seconds_ago}-0")
    await queue.add({"n": "2"})
    await queue.add({"n": "3"})
    assert len(await queue.read("worker-1", count=1, block_ms=10)) == 1

    m = Metrics()
    await m.refresh_queue_gauges(redis_client, {"jobs": (queue.stream, queue.group)})

    assert sample(m, "atendente_queue_depth", queue="jobs") == 3
    assert sample(m, "atendente_queue_pending", queue="jobs") == 1
    lag = sample(m, "atendente_queue_lag_seconds", queue="jobs")
    assert lag is not None and 4.5 <= lag < 60


async def test_lag_counts_entries_no_worker_has_read_yet(redis_client: Redis, prefix: str) -> None:
    queue = StreamQueue(redis_client, f"{prefix}:{{jobs}}")
    await queue.ensure_group()
    seconds, _ = await redis_client.time()
    await redis_client.xadd(queue.stream, {"n": "1"}, id=f"{(seconds - 3) * 1000}-0")

    m = Metrics()
    await m.refresh_queue_gauges(redis_client, {"jobs": (queue.stream, queue.group)})

    assert sample(m, "atendente_queue_pending", queue="jobs") == 0
    lag = sample(m, "atendente_queue_lag_seconds", queue="jobs")
    assert lag is not None and lag >= 2.5


async def test_an_idle_queue_has_no_lag_and_a_groupless_one_only_depth(
    redis_client: Redis, prefix: str
) -> None:
    idle = StreamQueue(redis_client, f"{prefix}:{{idle}}")
    await idle.ensure_group()
    await redis_client.xadd(f"{prefix}:{{plain}}", {"n": "1"})

    m = Metrics()
    await m.refresh_queue_gauges(
        redis_client,
        {
            "idle": (idle.stream, idle.group),
            "plain": (f"{prefix}:{{plain}}", "atendente"),
            "missing": (f"{prefix}:{{missing}}", "atendente"),
        },
    )

    assert sample(m, "atendente_queue_lag_seconds", queue="idle") == 0
    assert sample(m, "atendente_queue_depth", queue="plain") == 1
    assert sample(m, "atendente_queue_pending", queue="plain") is None
    assert sample(m, "atendente_queue_depth", queue="missing") == 0
    assert sample(m, "atendente_queue_lag_seconds", queue="missing") is None


async def test_unreachable_redis_empties_the_queue_gauges(redis_client: Redis, prefix: str) -> None:
    m = Metrics()
    await m.refresh_queue_gauges(redis_client, {"jobs": (f"{prefix}:{{jobs}}", "atendente")})
    assert sample(m, "atendente_queue_depth", queue="jobs") == 0

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    down = Redis(host="127.0.0.1", port=closed_port, retry=Retry(NoBackoff(), 0))
    with pytest.raises(RedisError):
        await m.refresh_queue_gauges(down, {"jobs": (f"{prefix}:{{jobs}}", "atendente")})
    await down.aclose()

    assert sample(m, "atendente_queue_depth", queue="jobs") is None
