"""RedisSaver with the real conversation graph: bounds, expiry, deletion, damage."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from agent.context import Context
from agent.graph import build_graph
from agent.state import Inbound
from agent.turn import TurnResult, run_turn, thread_config
from integrations.redis.layout import CorruptCheckpointError
from integrations.redis.saver import RedisSaver
from tests.support import ANA, STRANGER, text_of

SCRIPT = ["oi", "cadê meu pedido 1001?", "e o pagamento?", "qual o horário de vcs?", "obrigado"]


async def keys_of(client: Redis, prefix: str) -> list[bytes]:
    return [key async for key in client.scan_iter(match=f"{prefix}*")]


async def memory_of(client: Redis, prefix: str) -> int:
    return sum(
        [await client.memory_usage(key, samples=0) or 0 for key in await keys_of(client, prefix)]
    )


async def converse(saver: RedisSaver, context: Context, turns: int, phone: str = ANA) -> TurnResult:
    graph = build_graph(saver)
    result = None
    for turn in range(turns):
        inbound = Inbound(sender_id=phone.lstrip("+"), phone=phone, text=SCRIPT[turn % len(SCRIPT)])
        result = await run_turn(graph, context, inbound)
    assert result is not None
    return result


async def checkpoints(saver: RedisSaver, phone: str = ANA) -> list[str]:
    config = thread_config(phone.lstrip("+"))
    return [t.config["configurable"]["checkpoint_id"] async for t in saver.alist(config)]


async def test_bounded_saver_keeps_the_newest_checkpoints_and_a_flat_footprint(
    redis_client: Redis, prefix: str, context: Context
) -> None:
    saver = RedisSaver(redis_client, keep_last=2, prefix=prefix)
    await converse(saver, context, 20)
    after_20 = await memory_of(redis_client, prefix)
    last = await converse(saver, context, 20)
    after_40 = await memory_of(redis_client, prefix)

    assert "Por nada" in text_of(last)
    assert len(await checkpoints(saver)) == 2
    assert after_20 < 64 * 1024
    assert after_40 < after_20 * 1.1, "memory must not grow with the number of turns"


async def test_bounded_saver_resumes_the_conversation(
    redis_client: Redis, prefix: str, context: Context
) -> None:
    saver = RedisSaver(redis_client, keep_last=2, prefix=prefix)
    graph = build_graph(saver)
    await run_turn(
        graph,
        context,
        Inbound(sender_id="5511900000000", phone=STRANGER, text="cadê meu pedido 1001?"),
    )
    other_process = build_graph(RedisSaver(redis_client, keep_last=2, prefix=prefix))
    result = await run_turn(
        other_process,
        context,
        Inbound(sender_id="5511900000000", phone=STRANGER, text="ana.souza@example.com"),
    )
    assert "AA123456785BR" in text_of(result)


async def test_full_history_saver_keeps_every_checkpoint(
    redis_client: Redis, prefix: str, context: Context
) -> None:
    saver = RedisSaver(redis_client, prefix=prefix)
    await converse(saver, context, 3)
    assert len(await checkpoints(saver)) == 3, "one checkpoint per turn, every one kept"


@pytest.mark.parametrize("keep_last", [None, 2])
async def test_ttl_is_set_and_refreshed_on_each_run(
    redis_client: Redis, prefix: str, context: Context, keep_last: int | None
) -> None:
    saver = RedisSaver(redis_client, keep_last=keep_last, ttl_seconds=600, prefix=prefix)
    await converse(saver, context, 1)
    for key in await keys_of(redis_client, prefix):
        assert 0 < await redis_client.ttl(key) <= 600
        await redis_client.expire(key, 5)
    await converse(saver, context, 1)
    for key in await keys_of(redis_client, prefix):
        assert await redis_client.ttl(key) > 500


@pytest.mark.parametrize("keep_last", [None, 2])
async def test_delete_thread_leaves_no_key(
    redis_client: Redis, prefix: str, context: Context, keep_last: int | None
) -> None:
    saver = RedisSaver(redis_client, keep_last=keep_last, ttl_seconds=600, prefix=prefix)
    await converse(saver, context, 3, phone=ANA)
    await converse(saver, context, 2, phone=STRANGER)
    await saver.adelete_thread(ANA.lstrip("+"))
    remaining = await keys_of(redis_client, prefix)
    assert remaining and all(b"5511900000000" in key for key in remaining)
    await saver.adelete_thread(STRANGER.lstrip("+"))
    assert await keys_of(redis_client, prefix) == []


async def test_a_corrupted_thread_fails_alone(
    redis_client: Redis, prefix: str, context: Context
) -> None:
    saver = RedisSaver(redis_client, keep_last=2, prefix=prefix)
    await converse(saver, context, 1, phone=ANA)
    await converse(saver, context, 1, phone=STRANGER)
    await redis_client.hset(saver.keys.thread(ANA.lstrip("+")), b"c\x00\x000", b"\xc1garbage")
    with pytest.raises(CorruptCheckpointError) as raised:
        await saver.aget_tuple(thread_config(ANA.lstrip("+")))
    assert "5511987654321" not in str(raised.value)
    assert await saver.aget_tuple(thread_config(STRANGER.lstrip("+"))) is not None


async def test_a_foreign_value_under_our_key_is_a_clear_error(
    redis_client: Redis, prefix: str
) -> None:
    saver = RedisSaver(redis_client, prefix=prefix)
    await redis_client.set(saver.keys.thread("intruder"), b"not a hash")
    with pytest.raises(CorruptCheckpointError):
        await saver.aget_tuple(thread_config("intruder"))


def test_invalid_bounds_are_refused(redis_client: Redis) -> None:
    with pytest.raises(ValueError):
        RedisSaver(redis_client, keep_last=0)
    with pytest.raises(ValueError):
        RedisSaver(redis_client, ttl_seconds=0)
