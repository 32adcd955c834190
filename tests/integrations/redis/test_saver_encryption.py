"""With a key set, nothing a customer said or owns is readable in Redis."""

from __future__ import annotations

import base64

import pytest
from redis.asyncio import Redis

from agent.context import Context
from agent.graph import build_graph
from agent.state import Inbound
from agent.turn import run_turn
from integrations.redis.encryption import (
    EncryptionKeyError,
    decode_key,
    encrypted_serializer,
    thread_id_secret,
)
from integrations.redis.saver import RedisSaver
from tests.support import STRANGER

KEY = base64.b64encode(bytes(range(32))).decode()
SECRETS = [
    b"ana.souza@example.com",
    b"52998224725",
    b"529.982.247-25",
    b"5511900000000",
    b"+5511900000000",
    b"cad\xc3\xaa meu pedido",
    b"Vestido Midi",
    b"AA123456785BR",
]
CONVERSATION = [
    "oi, cadê meu pedido 1001?",
    "meu cpf é 529.982.247-25 e meu email é ana.souza@example.com",
]


async def raw_values(client: Redis, prefix: str) -> bytes:
    chunks: list[bytes] = []
    async for key in client.scan_iter(match=f"{prefix}*"):
        if await client.type(key) == b"hash":
            for name, value in (await client.hgetall(key)).items():
                chunks += [name, value]
        else:
            chunks.append(await client.get(key) or b"")
    return b"\n".join(chunks)


async def talk(saver: RedisSaver, context: Context) -> None:
    graph = build_graph(saver)
    for text in CONVERSATION:
        await run_turn(
            graph, context, Inbound(sender_id=STRANGER.lstrip("+"), phone=STRANGER, text=text)
        )


@pytest.mark.parametrize("keep_last", [None, 2])
async def test_plaintext_is_visible_without_a_key(
    redis_client: Redis, prefix: str, context: Context, keep_last: int | None
) -> None:
    await talk(RedisSaver(redis_client, keep_last=keep_last, prefix=prefix), context)
    stored = await raw_values(redis_client, prefix)
    assert b"ana.souza@example.com" in stored


@pytest.mark.parametrize("keep_last", [None, 2])
async def test_no_plaintext_is_stored_with_a_key(
    redis_client: Redis, prefix: str, context: Context, keep_last: int | None
) -> None:
    saver = RedisSaver(
        redis_client,
        keep_last=keep_last,
        prefix=prefix,
        serde=encrypted_serializer(KEY),
        key_secret=thread_id_secret(KEY),
    )
    await talk(saver, context)
    stored = await raw_values(redis_client, prefix)
    assert stored
    for secret in SECRETS:
        assert secret not in stored, secret
    keys = [key async for key in redis_client.scan_iter(match=f"{prefix}*")]
    assert keys and not any(b"5511900000000" in key for key in keys)
    state = await saver.aget_tuple({"configurable": {"thread_id": "5511900000000"}})
    assert state is not None
    assert "ana.souza@example.com" in state.checkpoint["channel_values"]["identity"]["emails"]
    listed = [t.config["configurable"]["thread_id"] async for t in saver.alist(None)]
    assert set(listed) == {"5511900000000"}


def test_keys_are_read_as_hex_or_base64() -> None:
    assert decode_key("00" * 32) == bytes(32)
    assert decode_key(KEY) == bytes(range(32))
    with pytest.raises(EncryptionKeyError, match="ATENDENTE_ENCRYPTION_KEY"):
        decode_key("short")
