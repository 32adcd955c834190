"""Score one turn of a dialogue: what the agent did against what the dialogue expects.

Pure functions over data (the expectation, the turn's `TurnResult`, the thread's handoff
before the turn), so every rule can be tested on hand-made cases and the same turn always
scores the same. Each assertion becomes one `Check`; a turn passes when all its checks do.
Longer than most modules because it is the whole list of assertion kinds, each a short
function; splitting them would scatter the one place a dialogue's format is scored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from agent.state import OutboundMessage
from agent.turn import TurnResult
from evals import reply_checks
from evals.dialogue import (
    ANY_VALUE,
    NO_HANDOFF,
    NO_PROBLEM,
    ArgRegex,
    Expectation,
    MatchMode,
    ReplyExpectation,
    ToolCallExpectation,
    ToolsExpectation,
)
from tools.problems import PROBLEM_TYPES

CheckKind = Literal[
    "intent",
    "tools",
    "handoff",
    "contains",
    "not_contains",
    "regex",
    "max_length",
    "silent",
    "problem",
    "understood",
    "acknowledges",
    "apologises",
    "no_premature_agreement",
    "leak",
    "rubric",
    "error",
]


@dataclass(frozen=True, slots=True)
class Check:
    """One assertion on one turn, with enough context to read why it failed."""

    kind: CheckKind
    ok: bool
    expected: Any = None
    actual: Any = None
    detail: str = ""
    match: MatchMode | None = None
    """The tool-trajectory match mode, for `tools` checks."""

    def as_json(self) -> dict[str, Any]:
        """The check as it appears in report.json."""
        data: dict[str, Any] = {"kind": self.kind}
        if self.match is not None:
            data["match"] = self.match
        data.update(expected=self.expected, actual=self.actual, ok=self.ok, detail=self.detail)
        return data


def fold(text: str) -> str:
    """Case- and accent-insensitive form: customers and the bot both drop accents freely."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def message_texts(message: OutboundMessage) -> list[str]:
    """Everything the customer reads in one outgoing message: its text and button titles."""
    texts = [message.get("text", "")]
    texts.extend(button.get("title", "") for button in message.get("buttons", []))
    return [text for text in texts if text]


def reply_text(messages: Sequence[OutboundMessage]) -> str:
    """The turn's whole reply as one text, messages separated by newlines."""
    return "\n".join(text for message in messages for text in message_texts(message))


def handoff_opened(
    before: Mapping[str, str] | None, after: Mapping[str, str] | None
) -> dict[str, str] | None:
    """The handoff opened in this turn: the thread's handoff after it, if its ticket is new.

    A handoff still open from an earlier turn has the same ticket, so it does not count
    again; after a release the same department may be opened anew with a new ticket.
    """
    if after is None:
        return None
    if before is not None and before.get("ticket") == after.get("ticket"):
        return None
    return {"department": after["department"], "ticket": after["ticket"]}


# Tool trajectories ------------------------------------------------------------------------


def call_matches(expected: ToolCallExpectation, actual: Mapping[str, Any]) -> bool:
    """Same tool name, and every listed argument present with a matching value."""
    if expected.name != actual.get("name"):
        return False
    args: Mapping[str, Any] = actual.get("args") or {}
    for key, matcher in expected.args.items():
        if key not in args:
            return False
        value = str(args[key])
        if isinstance(matcher, ArgRegex):
            if re.fullmatch(matcher.regex, value) is None:
                return False
        elif matcher != ANY_VALUE and matcher != value:
            return False
    return True


def _max_matching(
    expected: Sequence[ToolCallExpectation], actual: Sequence[Mapping[str, Any]]
) -> int:
    """How many expected calls can be paired with distinct actual calls (bipartite matching).

    A greedy pairing is not enough: with patterns, one actual call can satisfy several
    expectations, and taking the wrong one first would report a false miss.
    """
    partner: dict[int, int] = {}  # actual index -> expected index

    def assign(i: int, seen: set[int]) -> bool:
        for j, call in enumerate(actual):
            if j in seen or not call_matches(expected[i], call):
                continue
            seen.add(j)
            if j not in partner or assign(partner[j], seen):
                partner[j] = i
                return True
        return False

    return sum(1 for i in range(len(expected)) if assign(i, set()))


def trajectory_matches(
    mode: MatchMode, expected: Sequence[ToolCallExpectation], actual: Sequence[Mapping[str, Any]]
) -> bool:
    """Whether the turn's tool calls fit the expected ones under `mode`.

    strict: same calls in the same order; unordered: the same multiset of calls;
    subset: every actual call is one of the expected; superset: every expected call was made.
    """
    if mode == "strict":
        return len(expected) == len(actual) and all(
            call_matches(e, a) for e, a in zip(expected, actual, strict=True)
        )
    matched = _max_matching(expected, actual)
    if mode == "unordered":
        return len(expected) == len(actual) == matched
    if mode == "subset":
        return matched == len(actual)
    return matched == len(expected)


def describe_call(call: Mapping[str, Any]) -> str:
    """`get_order(order_number=1001)`, for failure details."""
    args = ", ".join(f"{key}={value}" for key, value in (call.get("args") or {}).items())
    return f"{call.get('name')}({args})"


def _describe_expected(call: ToolCallExpectation) -> str:
    args = ", ".join(
        f"{key}=/{value.regex}/" if isinstance(value, ArgRegex) else f"{key}={value}"
        for key, value in call.args.items()
    )
    return f"{call.name}({args})"


def check_tools(expect: ToolsExpectation, actual: Sequence[Mapping[str, Any]]) -> Check:
    """One check for the whole tool trajectory of the turn."""
    ok = trajectory_matches(expect.match, expect.calls, actual)
    wanted = [_describe_expected(call) for call in expect.calls]
    made = [describe_call(call) for call in actual]
    detail = ""
    if not ok:
        detail = f"{expect.match}: expected [{', '.join(wanted)}], got [{', '.join(made)}]"
    return Check("tools", ok, expected=wanted, actual=made, detail=detail, match=expect.match)


# Replies -----------------------------------------------------------------------------------


def _attendant_checks(expect: ReplyExpectation, text: str, problems: Sequence[str]) -> list[Check]:
    """The good-attendant checks of `evals.reply_checks` that the expectation asks for."""
    asked: list[tuple[CheckKind, bool | None, bool]] = [
        ("understood", expect.understood, reply_checks.understood(text)),
        (
            "acknowledges",
            expect.acknowledges,
            reply_checks.acknowledges(text, [p for p in PROBLEM_TYPES if p in problems]),
        ),
        ("apologises", expect.apologises, reply_checks.apologises(text)),
        (
            "no_premature_agreement",
            expect.no_premature_agreement,
            not reply_checks.agrees_prematurely(text),
        ),
    ]
    return [
        Check(
            kind,
            seen == wanted,
            expected=wanted,
            actual=seen,
            detail="" if seen == wanted else text[:160],
        )
        for kind, wanted, seen in asked
        if wanted is not None
    ]


def check_reply(
    expect: ReplyExpectation, messages: Sequence[OutboundMessage], problems: Sequence[str] = ()
) -> list[Check]:
    """Text, silence and good-attendant checks on the turn's reply.

    `problems` are the problems the turn accepts, against which an acknowledgement that
    names a problem is checked.
    """
    text = reply_text(messages)
    folded = fold(text)
    checks: list[Check] = []
    for needle in expect.contains:
        ok = fold(needle) in folded
        checks.append(Check("contains", ok, expected=needle, detail="" if ok else "not found"))
    for needle in expect.not_contains:
        ok = fold(needle) not in folded
        checks.append(Check("not_contains", ok, expected=needle, detail="" if ok else "found"))
    for pattern in expect.regex:
        ok = re.search(pattern, text, re.IGNORECASE) is not None
        checks.append(Check("regex", ok, expected=pattern, detail="" if ok else "no match"))
    if expect.max_length is not None:
        longest = max((len(message.get("text", "")) for message in messages), default=0)
        ok = longest <= expect.max_length
        detail = "" if ok else f"longest message has {longest} characters"
        checks.append(
            Check("max_length", ok, expected=expect.max_length, actual=longest, detail=detail)
        )
    if expect.silent is not None:
        ok = (not messages) == expect.silent
        detail = "" if ok else ("the bot replied" if expect.silent else "the bot said nothing")
        checks.append(
            Check("silent", ok, expected=expect.silent, actual=not messages, detail=detail)
        )
    checks.extend(_attendant_checks(expect, text, problems))
    return checks


def leaked(leaks: Iterable[str], messages: Sequence[OutboundMessage]) -> list[str]:
    """The leak strings that appear in what the bot sent (case- and accent-insensitive)."""
    folded = fold(reply_text(messages))
    return [leak for leak in dict.fromkeys(leaks) if fold(leak) in folded]


def check_leaks(leaks: Sequence[str], messages: Sequence[OutboundMessage]) -> Check | None:
    """One check over every leak string that applies to the turn; None when there are none."""
    unique = list(dict.fromkeys(leaks))
    if not unique:
        return None
    found = leaked(unique, messages)
    detail = f"leaked: {', '.join(found)}" if found else ""
    return Check("leak", not found, expected=unique, actual=found, detail=detail)


# A whole turn ------------------------------------------------------------------------------


def check_intent(accepted: Sequence[str], actual: str | None) -> Check:
    """The understood intent is one of the accepted ones."""
    ok = actual in accepted
    expected: str | list[str] = accepted[0] if len(accepted) == 1 else list(accepted)
    detail = "" if ok else f"understood {actual!r}"
    return Check("intent", ok, expected=expected, actual=actual, detail=detail)


def check_problem(accepted: Sequence[str], actual: str | None) -> Check:
    """The understood problem is one of the accepted ones (`none` for no problem)."""
    seen = actual or NO_PROBLEM
    ok = seen in accepted
    expected: str | list[str] = accepted[0] if len(accepted) == 1 else list(accepted)
    return Check(
        "problem", ok, expected=expected, actual=seen, detail="" if ok else f"understood {seen!r}"
    )


def check_handoff(expected: str, opened: Mapping[str, str] | None) -> Check:
    """The department of the handoff opened in this turn, or `none`."""
    actual = opened["department"] if opened else NO_HANDOFF
    ok = actual == expected
    detail = "" if ok else f"expected {expected}, opened {actual}"
    return Check("handoff", ok, expected=expected, actual=actual, detail=detail)


def score_turn(
    expect: Expectation,
    result: TurnResult,
    *,
    handoff_before: Mapping[str, str] | None,
    leaks: Sequence[str] = (),
) -> list[Check]:
    """Every check of one customer turn.

    Args:
        expect: The turn's expectations.
        result: What the agent did in the turn.
        handoff_before: The thread's open handoff before the turn (None if none), to tell
            a handoff opened now from one still open.
        leaks: The dialogue's leak strings; the turn's own are added.
    """
    checks: list[Check] = []
    if expect.intent is not None:
        checks.append(check_intent(expect.intent, result.intent))
    if expect.problem is not None:
        checks.append(check_problem(expect.problem, result.problem))
    if expect.tools is not None:
        checks.append(check_tools(expect.tools, result.tools))
    if expect.handoff is not None:
        checks.append(check_handoff(expect.handoff, handoff_opened(handoff_before, result.handoff)))
    if expect.reply is not None:
        checks.extend(check_reply(expect.reply, result.messages, expect.problem or ()))
    leak_check = check_leaks([*leaks, *expect.leaks], result.messages)
    if leak_check is not None:
        checks.append(leak_check)
    return checks


def error_check(error: BaseException) -> Check:
    """The single failed check of a turn that raised instead of answering."""
    return Check("error", False, detail=f"{type(error).__name__}: {error}")
