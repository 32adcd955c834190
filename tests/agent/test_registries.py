"""Every intent, handoff reason and problem type has its one entry, and the tables agree."""

from __future__ import annotations

from agent.intents import INTENT_SPECS, ORDER_INTENTS, PROBLEM_INTENTS, allowed_tools, prompt_list
from agent.toolkit import ALL_TOOLS
from agent.understanding import INTENTS
from composition.settings import DEFAULT_HANDOFF_ROUTING
from tools.handoff_reasons import REASONS, HandoffReason, spec_of
from tools.problems import PROBLEM_TYPES, PROBLEMS, SEVERITY


def test_every_intent_has_a_spec_and_the_prompt_names_it() -> None:
    assert set(INTENT_SPECS) == set(INTENTS)
    listed = prompt_list()
    for intent in INTENTS:
        assert f"- {intent}: " in listed


def test_specs_name_only_real_tools_and_plan_only_allowed_ones() -> None:
    names = {tool.name for tool in ALL_TOOLS}
    for spec in INTENT_SPECS.values():
        assert set(spec.tools) <= names, spec.name
        if spec.plan is not None:
            planned = {spec.plan.with_order, spec.plan.with_code, spec.plan.without_order} - {None}
            assert planned <= set(spec.tools), spec.name


def test_order_intents_need_identity_and_social_ones_use_no_tools() -> None:
    assert ORDER_INTENTS == {
        "order_status",
        "tracking",
        "payment",
        "refund",
        "cancel",
        "exchange_return",
    }
    assert allowed_tools(["greeting", "thanks", "other"]) == frozenset()


def test_every_handoff_reason_is_routed_and_worded() -> None:
    assert set(REASONS) == set(HandoffReason)
    assert set(DEFAULT_HANDOFF_ROUTING) == {reason.value for reason in HandoffReason}
    assert spec_of("human_request:financeiro") is REASONS[HandoffReason.HUMAN_REQUEST]
    assert spec_of("something_new") is None


def test_every_problem_has_a_spec_an_intent_and_a_rank() -> None:
    assert set(PROBLEMS) == set(PROBLEM_TYPES) == set(PROBLEM_INTENTS) == set(SEVERITY)
