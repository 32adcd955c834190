"""Every entry point keeps tickets in the same Redis store: the chat cannot fork numbers."""

from __future__ import annotations

from langgraph.checkpoint.memory import InMemorySaver
from redis.asyncio import Redis

from agent.graph import build_graph
from agent.state import Inbound
from agent.turn import run_turn
from composition.settings import Settings
from composition.wiring import open_context
from tools.ticket_store import RedisTicketStore


async def test_a_handoff_in_the_chat_lands_in_the_services_ticket_store(
    redis_client: Redis, prefix: str
) -> None:
    settings = Settings(_env_file=None).model_copy(update={"redis_prefix": prefix})
    service_store = RedisTicketStore(redis_client, prefix)
    earlier = await service_store.open(
        department="financeiro", reason="refund", sender_id="5531912345678", order_number=None
    )
    async with open_context(settings, redis=redis_client) as context:
        assert isinstance(context.tickets, RedisTicketStore)
        inbound = Inbound(
            sender_id="5511900000000", phone=None, text="quero falar com um atendente"
        )
        result = await run_turn(build_graph(InMemorySaver()), context, inbound)
    assert result.handoff is not None
    ticket = result.handoff["ticket"]
    assert ticket != earlier.id, "the chat re-issued a number the service had given"
    assert [t.id for t in await service_store.list_open()] == [earlier.id, ticket]
