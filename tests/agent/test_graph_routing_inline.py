"""Routing decisions run on the event loop, and the graph keeps every edge of the routers."""

from __future__ import annotations

import asyncio
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from agent.graph import build_graph
from tests.support import ANA, Say, text_of


class _CountingExecutor(ThreadPoolExecutor):
    """The loop's default executor, counting what is handed to it."""

    def __init__(self) -> None:
        super().__init__(max_workers=1)
        self.submitted: list[str] = []

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.submitted.append(getattr(fn, "__name__", repr(fn)))
        return super().submit(fn, *args, **kwargs)


async def test_an_order_question_never_leaves_the_event_loop(say: Say) -> None:
    executor = _CountingExecutor()
    loop = asyncio.get_running_loop()
    loop.set_default_executor(executor)
    try:
        result = await say("cadê meu pedido 1001?", ANA)
    finally:
        executor.shutdown()

    assert "AA123456785BR" in text_of(result)
    assert result.path.count("act") == 3  # six routing decisions in all
    assert executor.submitted == []


def test_each_router_keeps_the_edges_its_return_type_names() -> None:
    edges = {(edge.source, edge.target) for edge in build_graph().get_graph().edges}

    assert {("guard", "human_mode"), ("guard", "classify_intent"), ("guard", "reply")} <= edges
    assert {
        ("classify_intent", target) for target in ("handoff", "verify_identity", "act", "reply")
    } <= edges
    assert ("act", "tools") in edges and ("verify_identity", "act") in edges
