"""Redis lost mid-conversation: the turn fails cleanly and the message can be retried."""

from __future__ import annotations

from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from agent.context import Context
from agent.graph import build_graph
from agent.state import Inbound
from agent.turn import run_turn, thread_config
from integrations.redis.embedded import EmbeddedRedis
from integrations.redis.saver import RedisSaver
from tests.support import STRANGER, text_of

SENDER = STRANGER.lstrip("+")


def saver_for(server: EmbeddedRedis) -> RedisSaver:
    client = Redis(host=server.host, port=server.port, socket_connect_timeout=1)
    return RedisSaver(client, keep_last=2, prefix="outage")


async def test_a_turn_during_an_outage_fails_and_the_retry_finds_the_thread_intact(
    tmp_path: Path, context: Context
) -> None:
    server = EmbeddedRedis(tmp_path / "redis").start()
    saver = saver_for(server)
    graph = build_graph(saver)
    asked = await run_turn(
        graph, context, Inbound(sender_id=SENDER, phone=STRANGER, text="cadê meu pedido 1001?")
    )
    assert "e-mail" in text_of(asked)
    server.stop()

    with pytest.raises((RedisConnectionError, OSError)):
        await run_turn(
            graph, context, Inbound(sender_id=SENDER, phone=STRANGER, text="ana.souza@example.com")
        )
    await saver.client.aclose()

    server = EmbeddedRedis(tmp_path / "redis").start()
    try:
        saver = saver_for(server)
        graph = build_graph(saver)
        retried = await run_turn(
            graph, context, Inbound(sender_id=SENDER, phone=STRANGER, text="ana.souza@example.com")
        )
        assert "AA123456785BR" in text_of(retried)
        state = (await graph.aget_state(thread_config(SENDER))).values
        customer_lines = [m.content for m in state["messages"] if m.type == "human"]
        assert customer_lines == ["cadê meu pedido 1001?", "ana.souza@example.com"]
        await saver.client.aclose()
    finally:
        server.stop()
