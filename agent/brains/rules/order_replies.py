"""Reply sections built from tool results: orders, tracking, payment, refund, cancel.

Each function turns one tool result (already filtered to the customer's own data) into a
short WhatsApp paragraph in pt-BR, in the words of the store's templates: the code picks
the sentence for the facts, the templates file says it.
"""

from __future__ import annotations

from agent.brains.rules.wording import (
    items_phrase,
    method_label,
    money,
    short_date,
    stage_label,
    tracking_label,
)
from agent.store_voice.templates import ReplyTemplates
from agent.tool_results import DeliveryProblem, ToolResult


def _subject(result: ToolResult, replies: ReplyTemplates) -> str:
    """'Seu pedido *1001* (2x Camiseta Básica)', the subject of an order's sentence."""
    items = items_phrase(result.get("items", []), replies)
    number = result["order_number"]
    if items:
        return replies.text("order.subject_items", order=number, items=items)
    return replies.text("order.subject", order=number)


def order_section(result: ToolResult, replies: ReplyTemplates, *, tracked: bool) -> str:
    """The status of one order; `tracked` says a tracking section follows it."""
    number = result["order_number"]
    stage = result.get("stage")
    subject = _subject(result, replies)
    code = result.get("tracking_code")
    pickup = result.get("pickup_at")
    if stage == "preparing" and pickup:
        return replies.text("order.preparing_pickup", subject=subject, pickup=pickup)
    if stage == "preparing":
        days = result.get("shipping_max_days")
        if days:
            return replies.text("order.preparing_eta", subject=subject, days=days)
        return replies.text("order.preparing", subject=subject)
    if stage == "awaiting_payment":
        return replies.text("order.awaiting_payment", subject=subject)
    if stage == "payment_failed":
        return replies.text("order.payment_failed", order=number)
    if stage == "cancelled":
        refunded = result.get("payment_status") == "refunded"
        return replies.text(
            "order.cancelled_refunded" if refunded else "order.cancelled", order=number
        )
    if stage == "delivered":
        if tracked or not code:
            return replies.text("order.delivered", subject=subject)
        return replies.text("order.delivered_code", subject=subject, code=code)
    if stage == "shipped":
        if code and not tracked:
            return replies.text("order.shipped_code", subject=subject, code=code)
        return replies.text("order.shipped", subject=subject)
    return replies.text("order.other", order=number, stage=stage_label(replies, stage))


def problem_line(problem: DeliveryProblem, replies: ReplyTemplates) -> str:
    """One line naming a delivery problem in the customer's words."""
    kind = str(problem.get("kind"))
    if kind == "stalled":
        days = problem.get("business_days_without_update")
        if not days:
            return replies.text("delivery_problem.stalled_unknown")
        return replies.text("delivery_problem.stalled", days=days)
    key = f"delivery_problem.{kind}"
    return replies.text(key if key in replies else "delivery_problem.other")


_NO_EVENTS = {"not_found": "tracking.not_registered", "unavailable": "tracking.carrier_down"}
"""The sentence for a code with no events, by the carrier's status."""


def tracking_section(result: ToolResult, replies: ReplyTemplates) -> str:
    """Where the package is, with the newest event and the link to follow it."""
    code = result.get("tracking_code", "")
    url = result.get("url", "")
    if result.get("error") == "not_shipped_yet":
        return replies.text("tracking.not_shipped", order=result.get("order_number"))
    status = result.get("status")
    events = result.get("events", [])
    if status in ("not_found", "unknown", "unavailable") or not events:
        key = _NO_EVENTS.get(str(status), "tracking.no_events")
        return replies.text(key, code=code, url=url)
    newest = events[0]
    event = newest["description"]
    if newest.get("location"):
        event += f" – {newest['location']}"
    label = tracking_label(replies, status)
    when = short_date(newest.get("at"))
    lines = [
        replies.text("tracking.headline", code=code, status=label)
        if label
        else replies.text("tracking.headline_plain", code=code),
        replies.text("tracking.latest", date=when, event=event)
        if when
        else replies.text("tracking.latest_undated", event=event),
        replies.text("tracking.follow", url=url),
    ]
    if result.get("problem"):
        lines.append(problem_line(result["problem"], replies))
    return "\n".join(lines)


def orders_list_section(result: ToolResult, replies: ReplyTemplates) -> str:
    """The customer's own orders, found through the e-mail they gave."""
    orders = result.get("orders", [])
    if not orders:
        return replies.text("orders_list.none")
    lines = [
        replies.text(
            "orders_list.line", order=o["order_number"], stage=stage_label(replies, o.get("stage"))
        )
        for o in orders
    ]
    return "\n".join(
        [replies.text("orders_list.intro"), *lines, replies.text("orders_list.question")]
    )


_PENDING = {"pay_boleto": "payment.boleto", "pay_pix": "payment.pix", "pay_link": "payment.link"}
"""An unpaid order's sentence, by the payment's next step; each carries the link."""


def payment_section(result: ToolResult, replies: ReplyTemplates, store_url: str) -> str:
    """Payment status and the next step, with the payment link when one exists."""
    number = result["order_number"]
    total = money(result.get("total"))
    facts: dict[str, object] = {"order": number, "amount": f" ({total})" if total else ""}
    link = result.get("payment_link")
    action = result.get("action")
    if result.get("claim") == "customer_says_paid":
        key = "payment.boleto_claimed" if action == "pay_boleto" else "payment.claimed"
        return replies.text(key, **facts)
    if action == "pay_rest":
        if link:
            return replies.text("payment.partial_link", **facts, link=link)
        return replies.text("payment.partial", **facts)
    if action in _PENDING:
        return replies.text(_PENDING[str(action)], **facts, link=link)
    if action == "wait_card_approval":
        return replies.text("payment.card_review", order=number)
    if action == "checkout_again":
        return replies.text("payment.checkout_again", order=number, store_url=store_url)
    if result.get("payment_status") == "refunded":
        return replies.text("payment.refunded", **facts)
    paid = short_date(result.get("paid_at"))
    method = method_label(replies, result.get("payment_method"))
    details = ", ".join(
        part
        for part in (
            total or "",
            replies.text("payment.paid_on", date=paid) if paid else "",
            method,
        )
        if part
    )
    if details:
        return replies.text("payment.confirmed_details", order=number, details=details)
    return replies.text("payment.confirmed", order=number)


def refund_section(result: ToolResult, replies: ReplyTemplates) -> str | None:
    """The answer to a refund request that needs no person; None when it goes to one."""
    refund = result.get("refund")
    if refund in ("already_refunded", "nothing_paid"):
        return replies.text(f"refund.{refund}", order=result.get("order_number"))
    return None


def cancellation_section(result: ToolResult, replies: ReplyTemplates) -> str | None:
    """The answer to a cancellation request that needs no person."""
    if result.get("cancellation") == "already_cancelled":
        return replies.text("cancellation.already_cancelled", order=result.get("order_number"))
    return None
