"""The tools a brain may call, wrapping the business services in `tools/`.

Each tool reads the customer's identity from graph state through `ToolRuntime`; no tool
takes an identity argument, so a model (or a prompt injection) cannot choose whose data
it sees. Results are JSON for the brain; errors come back as data, never as exceptions.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from langchain_core.tools import BaseTool, tool
from langgraph.prebuilt import ToolRuntime

from agent.context import Context
from agent.intents import allowed_tools
from agent.state import AgentState, Identity
from agent.understanding import Intent
from integrations.nuvemshop.errors import NuvemshopError
from integrations.nuvemshop.models import Order
from tools.financial import payment_info, refund_request
from tools.handoff_reasons import HandoffReason
from tools.identity import CustomerIdentity
from tools.views import order_stage, order_summary

logger = logging.getLogger(__name__)

Runtime = ToolRuntime[Context, AgentState]


def as_customer(identity: Identity | None) -> CustomerIdentity:
    """The ownership rule's view of an identity held in graph state."""
    if identity is None:
        return CustomerIdentity()
    return CustomerIdentity(
        phone=identity.get("phone"),
        emails=tuple(identity.get("emails", [])),
        cpfs=tuple(identity.get("cpfs", [])),
    )


def identity_of(state: AgentState) -> CustomerIdentity:
    """The verified identity held in graph state."""
    return as_customer(state.get("identity"))


def _dump(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


async def _owned_order(runtime: Runtime, order_number: str) -> Order | dict[str, Any]:
    """The order if the customer owns it, else an error payload that reveals nothing."""
    number = "".join(ch for ch in order_number if ch.isdigit())
    if not number:
        return {"error": "invalid_order_number"}
    try:
        lookup = await runtime.context.orders.lookup(number, identity_of(runtime.state))
    except NuvemshopError as error:
        logger.warning("order lookup failed: %s", type(error).__name__)
        return {"error": "store_unavailable", "handoff": "unresolved"}
    if lookup.order is None:
        # not_found and not_owner answer alike, so numbers cannot be probed for owners.
        return {"error": "order_not_available", "order_number": number}
    return lookup.order


async def _owned_view(
    runtime: Runtime, order_number: str, view: Callable[[Order], dict[str, Any]]
) -> str:
    """`view` of the customer's own order, or the error payload that reveals nothing."""
    order = await _owned_order(runtime, order_number)
    return _dump(order if isinstance(order, dict) else view(order))


@tool
async def get_order(order_number: str, runtime: Runtime) -> str:
    """Look up one of the customer's own orders: stage, items, payment and shipping."""
    return await _owned_view(runtime, order_number, order_summary)


@tool
async def list_my_orders(runtime: Runtime) -> str:
    """List the customer's own recent orders (needs the e-mail they gave in this chat)."""
    try:
        orders = await runtime.context.orders.orders_of(identity_of(runtime.state))
    except NuvemshopError as error:
        logger.warning("order listing failed: %s", type(error).__name__)
        return _dump({"error": "store_unavailable", "handoff": "unresolved"})
    return _dump({"orders": [order_summary(order) for order in orders]})


def _with_problem_handoff(tracking: dict[str, Any]) -> dict[str, Any]:
    """A delivery problem goes to `logistica`, with the tracking as evidence."""
    if tracking.get("problem"):
        return {**tracking, "handoff": "delivery_problem"}
    return tracking


@tool
async def track_order(
    order_number: str, runtime: Runtime, customer_says_not_received: bool = False
) -> str:
    """Track the package of one of the customer's own orders with the carrier.

    Set `customer_says_not_received` when the customer says the package never arrived.
    """
    order = await _owned_order(runtime, order_number)
    if isinstance(order, dict):
        return _dump(order)
    code = order.shipping_tracking_number
    if not code:
        return _dump(
            {
                "order_number": str(order.number),
                "stage": order_stage(order),
                "error": "not_shipped_yet",
            }
        )
    tracking = await runtime.context.tracking.track(
        code,
        url=order.shipping_tracking_url,
        customer_says_not_received=customer_says_not_received,
    )
    return _dump(_with_problem_handoff({"order_number": str(order.number), **tracking}))


@tool
async def track_package(
    tracking_code: str, runtime: Runtime, customer_says_not_received: bool = False
) -> str:
    """Track a package by the tracking code the customer typed (public carrier data)."""
    code = tracking_code.strip().upper()
    tracking = await runtime.context.tracking.track(
        code, customer_says_not_received=customer_says_not_received
    )
    return _dump(_with_problem_handoff(tracking))


def _payment_claim(view: dict[str, Any]) -> dict[str, Any]:
    """A customer who says they paid an order still unpaid goes to `financeiro`.

    A boleto is the exception: it takes up to 3 business days to clear, so a recent
    payment not showing yet is normal and the customer is told so.
    """
    action = view.get("action")
    if action == "pay_boleto":
        return {**view, "claim": "customer_says_paid"}
    if action in ("pay_pix", "pay_link", "pay_rest"):
        return {**view, "claim": "customer_says_paid", "handoff": "payment_problem"}
    return view


@tool
async def get_payment_info(
    order_number: str, runtime: Runtime, customer_says_paid: bool = False
) -> str:
    """Payment status of the customer's own order, with boleto/pix/payment link if pending.

    Set `customer_says_paid` when the customer says they already paid (or paid twice).
    """
    if customer_says_paid:
        return await _owned_view(
            runtime, order_number, lambda order: _payment_claim(payment_info(order))
        )
    return await _owned_view(runtime, order_number, payment_info)


@tool
async def request_refund(order_number: str, runtime: Runtime) -> str:
    """Ask for a refund of the customer's own order; a person in `financeiro` decides."""
    return await _owned_view(runtime, order_number, refund_request)


@tool
async def request_cancellation(order_number: str, runtime: Runtime) -> str:
    """Ask to cancel the customer's own order; a person confirms it."""
    order = await _owned_order(runtime, order_number)
    if isinstance(order, dict):
        return _dump(order)
    stage = order_stage(order)
    if stage == "cancelled":
        return _dump({"order_number": str(order.number), "cancellation": "already_cancelled"})
    reason = "cancel_shipped" if stage in ("shipped", "delivered") else "cancel_unshipped"
    return _dump(
        {
            "order_number": str(order.number),
            "stage": stage,
            "cancellation": "handoff",
            "handoff": reason,
        }
    )


@tool
async def search_products(question: str, runtime: Runtime, about: str | None = None) -> str:
    """Search the store's catalog: products with each variant's stock, price, link and photo.

    `question` is what the customer asked, in their words (name, size, colour). Set `about`
    to the product last talked about when the question names none ("e no M?").
    """
    try:
        answer = await runtime.context.catalog.search(question, about=about)
    except NuvemshopError as error:
        logger.warning("catalog search failed: %s", type(error).__name__)
        return _dump({"catalog": "unavailable"})
    return _dump(answer.payload())


@tool
async def search_knowledge(question: str, runtime: Runtime) -> str:
    """Search the store's own answers: delivery times, shipping, payment, exchanges, hours.

    Answer only from the entry returned, and name its title as the source; `unknown`
    means the store has no answer and a person should be offered.
    """
    answer = await runtime.context.knowledge.search(question)
    return _dump(answer.payload())


@tool
async def request_handoff(
    reason: HandoffReason, runtime: Runtime, order_number: str | None = None
) -> str:
    """Hand the conversation to a human department for `reason`."""
    payload: dict[str, Any] = {"handoff": HandoffReason(reason).value}
    if order_number:
        order = await _owned_order(runtime, order_number)
        if not isinstance(order, dict):
            payload["order_number"] = str(order.number)
    return _dump(payload)


ALL_TOOLS: tuple[BaseTool, ...] = (
    get_order,
    list_my_orders,
    track_order,
    track_package,
    get_payment_info,
    request_refund,
    request_cancellation,
    request_handoff,
    search_products,
    search_knowledge,
)


def tools_for(intents: list[Intent]) -> list[BaseTool]:
    """Only the tools the request's intents allow, so a brain cannot wander."""
    allowed = allowed_tools(intents)
    return [t for t in ALL_TOOLS if t.name in allowed]
