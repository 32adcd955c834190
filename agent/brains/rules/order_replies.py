"""Reply sections built from tool results: orders, tracking, payment, refund, cancel.

Each function turns one tool result (already filtered to the customer's own data) into a
short WhatsApp paragraph in pt-BR.
"""

from __future__ import annotations

from agent.brains.rules.wording import (
    METHOD_LABELS,
    STAGE_LABELS,
    TRACKING_LABELS,
    items_phrase,
    money,
    short_date,
)
from agent.tool_results import DeliveryProblem, ToolResult


def order_section(result: ToolResult, *, tracked: bool) -> str:
    """The status of one order; `tracked` says a tracking section follows it."""
    number = result["order_number"]
    stage = result.get("stage")
    items = items_phrase(result.get("items", []))
    what = f"Seu pedido *{number}*" + (f" ({items})" if items else "")
    code = result.get("tracking_code")
    pickup = result.get("pickup_at")
    if stage == "preparing" and pickup:
        return (
            f"{what} está confirmado e em separação 📦 A retirada é na *{pickup}*: avisamos "
            "por e-mail assim que estiver pronto para retirar."
        )
    if stage == "preparing":
        days = result.get("shipping_max_days")
        eta = f" O prazo de entrega é de até {days} dias úteis após o envio." if days else ""
        return (
            f"{what} está confirmado e em separação 📦 Assim que ele for despachado, o "
            f"código de rastreio chega no seu e-mail.{eta}"
        )
    if stage == "awaiting_payment":
        return f"{what} está aguardando a confirmação do pagamento."
    if stage == "payment_failed":
        return f"O pagamento do pedido *{number}* não foi aprovado, então ele não seguiu."
    if stage == "cancelled":
        refunded = result.get("payment_status") == "refunded"
        return f"O pedido *{number}* foi cancelado" + (
            " e o valor já foi estornado." if refunded else "."
        )
    if stage == "delivered":
        return f"{what} já foi entregue ✅" + (
            "" if tracked or not code else f" Código de rastreio: {code}."
        )
    if stage == "shipped":
        text = f"{what} já foi enviado! 🚚"
        if code and not tracked:
            text += f" Código de rastreio: *{code}*."
        return text
    return f"Encontrei o pedido *{number}*: está {STAGE_LABELS.get(str(stage), 'em andamento')}."


PROBLEM_LINES = {
    "stalled": "⚠️ O rastreio está sem atualização há {days} dias úteis.",
    "returned": "⚠️ A transportadora registrou a devolução do pacote ao remetente.",
    "lost": "⚠️ A transportadora informou o extravio do pacote.",
    "awaiting_pickup": "⚠️ O pacote está aguardando retirada no endereço indicado pela "
    "transportadora.",
    "delivered_not_received": "⚠️ Consta como entregue, mas você me disse que não recebeu.",
}


def problem_line(problem: DeliveryProblem) -> str:
    """One line naming a delivery problem in the customer's words."""
    template = PROBLEM_LINES.get(str(problem.get("kind")), "⚠️ A entrega precisa de atenção.")
    return template.format(days=problem.get("business_days_without_update") or "alguns")


def tracking_section(result: ToolResult) -> str:
    """Where the package is, with the newest event and the link to follow it."""
    code = result.get("tracking_code", "")
    url = result.get("url", "")
    if result.get("error") == "not_shipped_yet":
        return (
            f"O pedido *{result.get('order_number')}* ainda não foi despachado, por isso "
            "ainda não tem código de rastreio."
        )
    status = result.get("status")
    events = result.get("events", [])
    if status in ("not_found", "unknown", "unavailable") or not events:
        reason = {
            "not_found": "a transportadora ainda não registrou movimentação desse código",
            "unavailable": "o sistema da transportadora não respondeu agora",
        }.get(str(status), "ainda não tenho os eventos desse código")
        return (
            f"Código de rastreio: *{code}*. Por enquanto {reason}; você pode acompanhar "
            f"por aqui: {url}"
        )
    newest = events[0]
    where = f" – {newest['location']}" if newest.get("location") else ""
    label = TRACKING_LABELS.get(str(status))
    headline = f"Rastreio *{code}*" + (f": {label}." if label else ".")
    when = short_date(newest.get("at"))
    text = (
        f"{headline}\n📍 Última atualização{f' ({when})' if when else ''}: "
        f"{newest['description']}{where}\nAcompanhe aqui: {url}"
    )
    if result.get("problem"):
        text += "\n" + problem_line(result["problem"])
    return text


def orders_list_section(result: ToolResult) -> str:
    """The customer's own orders, found through the e-mail they gave."""
    orders = result.get("orders", [])
    if not orders:
        return (
            "Não encontrei pedidos com esse e-mail 🤔 Me passa o número do pedido? Ele "
            "aparece no e-mail de confirmação da compra."
        )
    lines = [
        f"• *{o['order_number']}* – {STAGE_LABELS.get(o.get('stage', ''), 'em andamento')}"
        for o in orders
    ]
    return (
        "Encontrei estes pedidos no seu cadastro:\n"
        + "\n".join(lines)
        + ("\nSobre qual deles você quer saber?")
    )


def payment_section(result: ToolResult, store_url: str) -> str:
    """Payment status and the next step, with the payment link when one exists."""
    number = result["order_number"]
    total = money(result.get("total"))
    value = f" ({total})" if total else ""
    link = result.get("payment_link")
    action = result.get("action")
    if result.get("claim") == "customer_says_paid" and action == "pay_boleto":
        return (
            f"O boleto do pedido *{number}*{value} ainda não compensou por aqui. Boleto pago "
            "leva até 3 dias úteis para compensar; assim que cair, o pedido segue para "
            "separação automaticamente."
        )
    if result.get("claim") == "customer_says_paid":
        return (
            f"Por aqui o pagamento do pedido *{number}*{value} ainda não aparece como "
            "concluído, então o time financeiro vai conferir com você."
        )
    if action == "pay_rest":
        where = f" Para completar: {link}" if link else ""
        return (
            f"O pedido *{number}*{value} foi pago só em parte: falta o restante para ele "
            f"seguir para separação.{where}"
        )
    if action == "pay_boleto":
        return (
            f"O boleto do pedido *{number}*{value} ainda está em aberto. Você pode pagar "
            f"por este link: {link}\nDepois do pagamento, a compensação leva até 3 dias "
            "úteis."
        )
    if action == "pay_pix":
        return (
            f"O Pix do pedido *{number}*{value} ainda não foi pago. É só pagar por aqui: "
            f"{link}\nA confirmação do Pix sai em poucos minutos."
        )
    if action == "pay_link":
        return f"O pagamento do pedido *{number}*{value} está pendente. Link para pagar: {link}"
    if action == "wait_card_approval":
        return (
            f"O pagamento do pedido *{number}* está em análise pela operadora do cartão. "
            "Normalmente a resposta sai em até 2 dias úteis."
        )
    if action == "checkout_again":
        return (
            f"O pagamento do pedido *{number}* não foi concluído. Se ainda quiser os "
            f"produtos, é só fazer a compra de novo em {store_url} 🛍️"
        )
    status = result.get("payment_status")
    if status == "refunded":
        return f"O pagamento do pedido *{number}*{value} foi estornado."
    method = METHOD_LABELS.get(str(result.get("payment_method")), "")
    paid = short_date(result.get("paid_at"))
    details = ", ".join(
        part for part in (total or "", f"pago em {paid}" if paid else "", method) if part
    )
    return f"O pagamento do pedido *{number}* está confirmado ✅" + (
        f" ({details})." if details else ""
    )


def refund_section(result: ToolResult) -> str | None:
    """The answer to a refund request that needs no person; None when it goes to one."""
    number = result.get("order_number")
    if result.get("refund") == "already_refunded":
        return (
            f"O valor do pedido *{number}* já foi estornado. No cartão, o estorno pode "
            "levar até 2 faturas para aparecer; no Pix, ele volta para a conta usada "
            "no pagamento."
        )
    if result.get("refund") == "nothing_paid":
        return f"O pedido *{number}* não tem pagamento confirmado, então não há valor a estornar."
    return None


def cancellation_section(result: ToolResult) -> str | None:
    """The answer to a cancellation request that needs no person."""
    if result.get("cancellation") == "already_cancelled":
        return f"O pedido *{result.get('order_number')}* já está cancelado."
    return None
