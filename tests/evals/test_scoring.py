"""The per-turn scorers on hand-made turns: trajectories, arguments, handoffs, replies, leaks."""

from __future__ import annotations

from typing import Any

import pytest

from agent.state import OutboundMessage
from agent.turn import TurnResult
from evals.dialogue import Expectation, ToolCallExpectation, ToolsExpectation
from evals.scoring import (
    call_matches,
    check_leaks,
    error_check,
    fold,
    handoff_opened,
    score_turn,
    trajectory_matches,
)

GET_1001 = {"name": "get_order", "args": {"order_number": "1001"}}
TRACK_1001 = {"name": "track_order", "args": {"order_number": "1001"}}
HANDOFF = {"name": "request_handoff", "args": {"reason": "exchange_return", "order_number": "1005"}}


def expected(*calls: dict[str, Any]) -> list[ToolCallExpectation]:
    return [ToolCallExpectation.model_validate(call) for call in calls]


def result(
    *texts: str,
    intent: str | None = "order_status",
    tools: list[dict[str, Any]] | None = None,
    handoff: dict[str, str] | None = None,
    buttons: list[str] | None = None,
) -> TurnResult:
    messages = [OutboundMessage(type="text", text=text) for text in texts]
    if buttons:
        messages.append(
            OutboundMessage(
                type="buttons",
                text="Posso ajudar em mais algo?",
                buttons=[{"id": title, "title": title} for title in buttons],
            )
        )
    return TurnResult(
        intent=intent,
        entities={},
        path=[],
        tools=tools or [],
        messages=messages,
        handoff=handoff,
    )


def checks_of(expect: dict[str, Any], turn: TurnResult, **kwargs: Any) -> dict[str, bool]:
    checks = score_turn(
        Expectation.model_validate(expect),
        turn,
        handoff_before=kwargs.get("before"),
        leaks=kwargs.get("leaks", ()),
    )
    return {f"{c.kind}:{c.expected}": c.ok for c in checks}


# Trajectory match modes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "actual", "ok"),
    [
        ("strict", [GET_1001, TRACK_1001], True),
        ("strict", [TRACK_1001, GET_1001], False),
        ("strict", [GET_1001, TRACK_1001, TRACK_1001], False),
        ("unordered", [TRACK_1001, GET_1001], True),
        ("unordered", [GET_1001], False),
        ("unordered", [GET_1001, TRACK_1001, TRACK_1001], False),
        ("subset", [GET_1001], True),
        ("subset", [], True),
        ("subset", [GET_1001, HANDOFF], False),
        ("subset", [GET_1001, GET_1001], False),
        ("superset", [HANDOFF, TRACK_1001, GET_1001], True),
        ("superset", [GET_1001], False),
        ("superset", [], False),
    ],
)
def test_match_modes(mode: Any, actual: list[dict[str, Any]], ok: bool) -> None:
    assert trajectory_matches(mode, expected(GET_1001, TRACK_1001), actual) is ok


def test_strict_with_no_calls_asserts_that_no_tool_ran() -> None:
    assert trajectory_matches("strict", [], []) is True
    assert trajectory_matches("strict", [], [GET_1001]) is False


def test_matching_pairs_calls_globally_not_greedily() -> None:
    # The pattern also matches 1001; a greedy pairing would spend 1001 on it and miss.
    wanted = expected(
        {"name": "get_order", "args": {"order_number": {"regex": r"10\d\d"}}},
        {"name": "get_order", "args": {"order_number": "1001"}},
    )
    actual = [GET_1001, {"name": "get_order", "args": {"order_number": "1002"}}]
    assert trajectory_matches("unordered", wanted, actual) is True
    assert trajectory_matches("superset", wanted, actual[:1]) is False


# Argument matching -----------------------------------------------------------------------


def test_arguments_compare_as_strings() -> None:
    call = ToolCallExpectation.model_validate({"name": "get_order", "args": {"order_number": 1001}})
    assert call.args == {"order_number": "1001"}
    assert call_matches(call, GET_1001)
    assert call_matches(call, {"name": "get_order", "args": {"order_number": 1001}})
    assert not call_matches(call, {"name": "get_order", "args": {"order_number": "1002"}})
    assert not call_matches(call, {"name": "track_order", "args": {"order_number": "1001"}})


def test_regex_must_match_the_whole_value() -> None:
    call = ToolCallExpectation.model_validate(
        {"name": "get_order", "args": {"order_number": {"regex": "10[0-9]"}}}
    )
    assert not call_matches(call, GET_1001)  # "100" is only a prefix of "1001"
    assert call_matches(call, {"name": "get_order", "args": {"order_number": "107"}})


def test_star_accepts_any_value_but_requires_the_argument() -> None:
    call = ToolCallExpectation.model_validate(
        {"name": "request_handoff", "args": {"reason": "exchange_return", "order_number": "*"}}
    )
    assert call_matches(call, HANDOFF)
    assert not call_matches(
        call, {"name": "request_handoff", "args": {"reason": "exchange_return"}}
    )


def test_arguments_not_listed_are_not_checked() -> None:
    call = ToolCallExpectation.model_validate({"name": "request_handoff"})
    assert call_matches(call, HANDOFF)


def test_tools_check_explains_a_mismatch() -> None:
    turn = result("...", tools=[TRACK_1001])
    check = score_turn(
        Expectation(tools=ToolsExpectation(match="strict", calls=tuple(expected(GET_1001)))),
        turn,
        handoff_before=None,
    )[0]
    assert check.as_json() == {
        "kind": "tools",
        "match": "strict",
        "expected": ["get_order(order_number=1001)"],
        "actual": ["track_order(order_number=1001)"],
        "ok": False,
        "detail": "strict: expected [get_order(order_number=1001)], "
        "got [track_order(order_number=1001)]",
    }


# Intent and handoff ----------------------------------------------------------------------


def test_intent_accepts_any_listed_intent() -> None:
    turn = result("...", intent="tracking")
    assert checks_of({"intent": ["order_status", "tracking"]}, turn) == {
        "intent:['order_status', 'tracking']": True
    }
    assert checks_of({"intent": "order_status"}, turn) == {"intent:order_status": False}
    assert checks_of({"intent": "greeting"}, result(intent=None)) == {"intent:greeting": False}


def test_a_new_ticket_is_a_handoff_opened_now() -> None:
    open_trocas = {"department": "trocas", "ticket": "ATD-00001"}
    assert handoff_opened(None, open_trocas) == open_trocas
    assert handoff_opened(open_trocas, open_trocas) is None
    reopened = {"department": "trocas", "ticket": "ATD-00002"}
    assert handoff_opened(open_trocas, reopened) == reopened
    assert handoff_opened(None, None) is None


def test_handoff_check_sees_only_handoffs_opened_in_the_turn() -> None:
    open_trocas = {"department": "trocas", "ticket": "ATD-00001"}
    silent = result(handoff=open_trocas, intent=None)
    assert checks_of({"handoff": "none"}, silent, before=open_trocas) == {"handoff:none": True}
    assert checks_of({"handoff": "trocas"}, silent, before=open_trocas) == {"handoff:trocas": False}
    opening = result("protocolo ATD-00001", handoff=open_trocas)
    assert checks_of({"handoff": "trocas"}, opening) == {"handoff:trocas": True}
    assert checks_of({"handoff": "financeiro"}, opening) == {"handoff:financeiro": False}
    assert checks_of({"handoff": "none"}, opening) == {"handoff:none": False}


# Replies ---------------------------------------------------------------------------------


def test_contains_ignores_case_and_accents_on_both_sides() -> None:
    turn = result("Seu pedido está em SEPARAÇÃO 📦", "Rastreio *AA123456785BR*")
    assert checks_of(
        {"reply": {"contains": ["separacao", "Está em", "aa123456785br"], "not_contains": "Sépa"}},
        turn,
    ) == {
        "contains:separacao": True,
        "contains:Está em": True,
        "contains:aa123456785br": True,
        "not_contains:Sépa": False,
    }


def test_regex_searches_case_insensitively() -> None:
    turn = result("Me passa o Número do pedido?")
    assert checks_of({"reply": {"regex": [r"n[uú]mero do pedido", r"^me passa", "cpf"]}}, turn) == {
        r"regex:n[uú]mero do pedido": True,
        "regex:^me passa": True,
        "regex:cpf": False,
    }


def test_max_length_is_per_message() -> None:
    turn = result("a" * 50, "b" * 80)
    assert checks_of({"reply": {"max_length": 80}}, turn) == {"max_length:80": True}
    [check] = score_turn(
        Expectation.model_validate({"reply": {"max_length": 79}}), turn, handoff_before=None
    )
    assert (check.ok, check.actual, check.detail) == (
        False,
        80,
        "longest message has 80 characters",
    )


def test_silent_means_no_message_at_all() -> None:
    assert checks_of({"reply": {"silent": True}}, result(intent=None)) == {"silent:True": True}
    assert checks_of({"reply": {"silent": True}}, result("oi")) == {"silent:True": False}
    assert checks_of({"reply": {"silent": False}}, result(intent=None)) == {"silent:False": False}


# Leaks -----------------------------------------------------------------------------------


def test_leaks_are_found_in_text_and_buttons_ignoring_case_and_accents() -> None:
    turn = result("Entregamos na rua harmonia, 412", buttons=["Bruno Lima"])
    check = check_leaks(["Rua Harmonia", "bruno líma", "ana.souza@example.com"], turn.messages)
    assert check is not None
    assert (check.ok, check.actual) == (False, ["Rua Harmonia", "bruno líma"])
    assert check.detail == "leaked: Rua Harmonia, bruno líma"


def test_dialogue_and_turn_leaks_make_one_check() -> None:
    turn = result("Seu rastreio é BB987654321BR")
    checks = score_turn(
        Expectation.model_validate({"leaks": ["BB987654321BR"]}),
        turn,
        handoff_before=None,
        leaks=["Rua Harmonia"],
    )
    assert [(c.kind, c.ok, c.expected, c.actual) for c in checks] == [
        ("leak", False, ["Rua Harmonia", "BB987654321BR"], ["BB987654321BR"])
    ]


def test_no_leak_strings_means_no_leak_check() -> None:
    assert check_leaks([], result("oi").messages) is None


def test_an_error_is_a_failed_check_with_its_reason() -> None:
    check = error_check(RuntimeError("store down"))
    assert (check.kind, check.ok, check.detail) == ("error", False, "RuntimeError: store down")


def test_fold() -> None:
    assert fold("Não É AÇÃO") == "nao e acao"
