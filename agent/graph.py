"""The conversation graph: one explicit StateGraph, compiled with the caller's saver.

guard -> classify_intent -> verify_identity -> act <-> tools -> handoff -> reply, with
human_mode for threads a person owns. The checkpointer is injected so the terminal chat,
the server and the tests each choose where conversations live.
"""

from __future__ import annotations

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import ToolNode

from agent.context import Context
from agent.nodes.act import act
from agent.nodes.classify_intent import classify_intent
from agent.nodes.guard import guard
from agent.nodes.handoff import handoff
from agent.nodes.human_mode import human_mode
from agent.nodes.reply import reply
from agent.nodes.verify_identity import verify_identity
from agent.routing import after_act, after_classify, after_guard, after_verify
from agent.state import AgentState, TurnInput
from agent.toolkit import ALL_TOOLS

AgentGraph = CompiledStateGraph[AgentState, Context, TurnInput, AgentState]
Builder = StateGraph[AgentState, Context, TurnInput, AgentState]


def build_graph(checkpointer: BaseCheckpointSaver[str] | None = None) -> AgentGraph:
    """Wire the nodes and routers and compile them with `checkpointer`."""
    builder: Builder = StateGraph(AgentState, context_schema=Context, input_schema=TurnInput)
    builder.add_node("guard", guard)
    builder.add_node("classify_intent", classify_intent)
    builder.add_node("verify_identity", verify_identity)
    builder.add_node("act", act)
    builder.add_node("tools", ToolNode(list(ALL_TOOLS)))
    builder.add_node("handoff", handoff)
    builder.add_node("reply", reply)
    builder.add_node("human_mode", human_mode)

    builder.add_edge(START, "guard")
    builder.add_conditional_edges("guard", after_guard)
    builder.add_conditional_edges("classify_intent", after_classify)
    builder.add_conditional_edges("verify_identity", after_verify)
    builder.add_conditional_edges("act", after_act)
    builder.add_edge("tools", "act")
    builder.add_edge("handoff", "reply")
    builder.add_edge("reply", END)
    builder.add_edge("human_mode", END)
    return builder.compile(checkpointer=checkpointer, name="atendente")
