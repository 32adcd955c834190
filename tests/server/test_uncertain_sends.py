"""A sender that dies after Meta accepted a message: the status webhook prevents a resend."""

from __future__ import annotations

from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from server.sender import OutboxSender
from tests.server import whatsapp
from tests.server.conftest import Service

ANA = "5511987654321"


class DiesAfterSending(OutboxSender):
    """A sender killed between Meta's acceptance and its own sent mark, once."""

    dying = True

    async def _send_once(
        self, fields: Any, recipient: str, message: Any, payload: Any, part: str
    ) -> None:
        real_set = self._redis.set

        async def set_then_die(key: str, *args: Any, **kwargs: Any) -> Any:
            if ":sent:" in key and self.dying:
                self.dying = False
                raise RedisConnectionError("killed")
            return await real_set(key, *args, **kwargs)

        self._redis.set = set_then_die  # type: ignore[method-assign]
        try:
            await super()._send_once(fields, recipient, message, payload, part)
        finally:
            self._redis.set = real_set  # type: ignore[method-assign]


async def send_with_a_crash(service: Service) -> tuple[OutboxSender, list[Any]]:
    services = service.services
    fake = services.whatsapp.fake
    assert fake is not None
    await services.outbox.push(
        ANA,
        [{"type": "text", "text": "Seu pedido *1001* saiu para entrega."}],
        key="k1",
        source="t",
    )
    sender = DiesAfterSending(
        services.redis, services.settings.redis_prefix, services.whatsapp.client
    )
    await services.outbox_queue.process("sender-1", sender.handle, block_ms=10)
    return sender, fake.messages(ANA)


@pytest.fixture
def reclaim_at_once(service: Service) -> None:
    service.services.outbox_queue.claim_idle_ms = 1


async def test_a_status_echo_stops_the_resend_of_an_accepted_message(
    service: Service, reclaim_at_once: None
) -> None:
    sender, sent = await send_with_a_crash(service)
    assert len(sent) == 1
    reference = sent[0].payload["biz_opaque_callback_data"]
    delivered = whatsapp.status(ANA, "delivered", callback_data=reference)
    body, headers = whatsapp.signed(delivered)
    reply = await service.http.post("/webhooks/whatsapp", content=body, headers=headers)
    assert reply.status_code == 200
    [queue] = service.services.outbox_queue.shards
    queue._last_reclaim = float("-inf")
    await queue.process(
        "sender-2",
        OutboxSender(
            service.services.redis,
            service.services.settings.redis_prefix,
            service.services.whatsapp.client,
        ).handle,
        block_ms=10,
    )
    assert len(service.services.whatsapp.fake.messages(ANA)) == 1, "sent twice"
    assert await queue.client.xlen(queue.stream) == 0


async def test_without_an_echo_the_uncertain_message_is_sent_again(
    service: Service, reclaim_at_once: None
) -> None:
    await send_with_a_crash(service)
    [queue] = service.services.outbox_queue.shards
    queue._last_reclaim = float("-inf")
    services = service.services
    await queue.process(
        "sender-2",
        OutboxSender(
            services.redis, services.settings.redis_prefix, services.whatsapp.client
        ).handle,
        block_ms=10,
    )
    assert len(services.whatsapp.fake.messages(ANA)) == 2, "not accepted for sure: resent"
