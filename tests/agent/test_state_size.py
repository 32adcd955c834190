"""The conversation state stays small however long the conversation gets."""

from __future__ import annotations

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from agent.context import Context
from agent.graph import build_graph
from agent.state import Inbound
from agent.turn import run_turn, thread_config

SCRIPT = ["oi", "cadê meu pedido 1001?", "e o pagamento?", "qual o horário de vcs?", "obrigado"]


async def state_bytes_after(turns: int, context: Context) -> int:
    graph = build_graph(InMemorySaver())
    for turn in range(turns):
        inbound = Inbound(
            sender_id="5511987654321", phone="+5511987654321", text=SCRIPT[turn % len(SCRIPT)]
        )
        await run_turn(graph, context, inbound)
    values = (await graph.aget_state(thread_config("5511987654321"))).values
    return len(JsonPlusSerializer().dumps_typed(values)[1])


async def test_a_200_turn_conversation_is_about_the_size_of_a_20_turn_one(
    context: Context,
) -> None:
    twenty = await state_bytes_after(20, context)
    two_hundred = await state_bytes_after(200, context)
    assert two_hundred <= twenty * 1.1
