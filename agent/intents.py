"""One spec per intent: what it needs, which tools it may use, how it is planned and told.

Everything the graph, both brains and the prompts know about an intent is read from
`INTENT_SPECS`; tables such as the tools an intent allows or the intents that need an
order are derived here, so adding an intent is one entry and a test fails when an intent
has none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agent.store_profile import StoreProfile
from agent.understanding import INTENTS, Intent
from tools.handoff_reasons import HandoffReason
from tools.problems import PROBLEM_TYPES, ProblemType


@dataclass(frozen=True, slots=True)
class ToolPlan:
    """The tool the rules call for an intent, by what the request carries."""

    with_order: str | None = None
    """Called with `order_number` when the request names a verified order."""
    with_code: str | None = None
    """Called with `tracking_code` when the customer typed one and no order."""
    without_order: str | None = None
    """Called with no arguments when the request names no order (e.g. list my orders)."""
    with_question: str | None = None
    """Called with the customer's own words: answered from the store's catalog or knowledge."""


@dataclass(frozen=True, slots=True)
class IntentSpec:
    """Everything about one intent, in one place."""

    name: Intent
    description: str
    """How the classification prompt explains it to the model."""
    needs_order: bool = False
    """True when answering means reading an order, so identity is checked first."""
    tools: tuple[str, ...] = ()
    """The only tools a brain may call for it."""
    plan: ToolPlan | None = None
    """The rules brain's tool choice."""
    handoff: HandoffReason | None = None
    """The reason a person takes over when the intent itself needs one."""
    person_decides: bool = False
    """A person decides the outcome (refund, cancellation, exchange): the bot never agrees."""
    answer: Callable[[StoreProfile], str] | None = None
    """A reply that needs no tool, from the store's public facts."""


def _thanks_answer(store: StoreProfile) -> str:
    return store.replies.text("answers.thanks")


_SPECS: tuple[IntentSpec, ...] = (
    IntentSpec("greeting", "hello, good morning, with no request."),
    IntentSpec(
        "order_status",
        "where is my order, order situation, delivery date, a late or undelivered order.",
        needs_order=True,
        tools=("get_order", "list_my_orders", "track_order", "get_payment_info"),
        plan=ToolPlan(with_order="get_order", without_order="list_my_orders"),
    ),
    IntentSpec(
        "tracking",
        "tracking code, package location, carrier events, a package marked delivered that "
        "did not arrive.",
        needs_order=True,
        tools=("track_order", "track_package", "get_order"),
        plan=ToolPlan(with_order="track_order", with_code="track_package"),
    ),
    IntentSpec(
        "payment",
        "boleto, pix, payment link, payment declined, paid but not confirmed, charged twice.",
        needs_order=True,
        tools=("get_payment_info", "get_order", "request_handoff"),
        plan=ToolPlan(with_order="get_payment_info"),
    ),
    IntentSpec(
        "refund",
        "money back, estorno, reembolso, a cancelled order whose money did not come back.",
        needs_order=True,
        tools=("request_refund", "get_order"),
        plan=ToolPlan(with_order="request_refund"),
        handoff=HandoffReason.REFUND,
        person_decides=True,
    ),
    IntentSpec(
        "cancel",
        "cancel an order, give up a purchase.",
        needs_order=True,
        tools=("request_cancellation", "get_order"),
        plan=ToolPlan(with_order="request_cancellation"),
        handoff=HandoffReason.CANCEL_UNSHIPPED,
        person_decides=True,
    ),
    IntentSpec(
        "exchange_return",
        "exchange or return; a missing, wrong, damaged, defective or counterfeit product.",
        needs_order=True,
        tools=("request_handoff", "get_order"),
        plan=ToolPlan(with_order="request_handoff", without_order="request_handoff"),
        handoff=HandoffReason.EXCHANGE_RETURN,
        person_decides=True,
    ),
    IntentSpec(
        "product_info",
        "questions about products: sizes, stock, prices, materials.",
        tools=("search_products", "search_knowledge"),
        plan=ToolPlan(with_question="search_products"),
    ),
    IntentSpec(
        "store_info",
        "hours, address, policies, delivery times, shipping rules, payment methods (pix, "
        "boleto, cards, instalments) in general, contact.",
        tools=("search_knowledge", "search_products"),
        plan=ToolPlan(with_question="search_knowledge"),
    ),
    IntentSpec(
        "human_agent",
        "wants a person, an attendant, a human.",
        tools=("request_handoff",),
        handoff=HandoffReason.HUMAN_REQUEST,
    ),
    IntentSpec("thanks", "thanks, praise, ok, goodbye.", answer=_thanks_answer),
    IntentSpec(
        "provide_info",
        "only gives data we asked for (order number, e-mail, CPF) with no new request.",
        tools=("get_order", "list_my_orders"),
    ),
    IntentSpec("other", "anything else."),
)

INTENT_SPECS: dict[Intent, IntentSpec] = {spec.name: spec for spec in _SPECS}
_missing = [intent for intent in INTENTS if intent not in INTENT_SPECS]
if _missing:  # pragma: no cover - a wrong table is a programming error, caught at import
    raise RuntimeError(f"intents without a spec: {_missing}")

PROBLEM_INTENTS: dict[ProblemType, Intent] = {
    "missing_item": "exchange_return",
    "wrong_item": "exchange_return",
    "damaged": "exchange_return",
    "counterfeit": "exchange_return",
    "delivered_not_received": "order_status",
    "late": "order_status",
    "charged_not_confirmed": "payment",
    "cancelled_not_refunded": "refund",
    "no_response": "human_agent",
    "legal_threat": "human_agent",
}
"""The request a problem makes when the customer only describes it ("veio faltando um item")."""
if set(PROBLEM_INTENTS) != set(PROBLEM_TYPES):  # pragma: no cover - caught at import
    raise RuntimeError("every problem type needs the intent it asks for")

NO_REQUEST: frozenset[Intent] = frozenset({"greeting", "thanks", "provide_info", "other"})
"""Intents that ask nothing new of the store: they never replace a pending request."""

ORDER_INTENTS: frozenset[Intent] = frozenset(s.name for s in _SPECS if s.needs_order)
"""Intents answered from an order, so identity comes first."""
PERSON_DECIDES: frozenset[Intent] = frozenset(s.name for s in _SPECS if s.person_decides)
"""Intents whose outcome a person decides: the bot acknowledges and never agrees."""
QUESTION_INTENTS: frozenset[Intent] = frozenset(
    s.name for s in _SPECS if s.plan is not None and s.plan.with_question
)
"""Intents answered from the store's catalog or knowledge: no order, no identity."""


def spec(intent: Intent) -> IntentSpec:
    """The spec of one intent."""
    return INTENT_SPECS[intent]


def allowed_tools(intents: list[Intent]) -> frozenset[str]:
    """The tools a request's intents allow, together."""
    return frozenset(name for intent in intents for name in INTENT_SPECS[intent].tools)


def planned_call(
    intent: Intent, order_number: str | None, tracking_code: str | None, question: str = ""
) -> tuple[str, dict[str, Any]] | None:
    """The tool an intent's plan calls for what the request carries, with its arguments.

    `question` is the customer's message, which catalog and knowledge searches read.
    """
    intent_spec = INTENT_SPECS[intent]
    plan = intent_spec.plan
    if plan is None:
        return None
    args: dict[str, Any]
    if plan.with_question:
        tool, args = plan.with_question, {"question": question}
    elif order_number and plan.with_order:
        tool, args = plan.with_order, {"order_number": order_number}
    elif tracking_code and plan.with_code:
        tool, args = plan.with_code, {"tracking_code": tracking_code}
    elif plan.without_order:
        tool, args = plan.without_order, {}
    else:
        return None
    if tool == "request_handoff" and intent_spec.handoff is not None:
        args["reason"] = intent_spec.handoff.value
    return tool, args


def prompt_list() -> str:
    """The intents as the classification prompt lists them."""
    return "\n".join(f"- {s.name}: {s.description}" for s in _SPECS)
