"""The rules brain's reply: short, warm pt-BR paragraphs assembled from the turn's facts.

Facts come from `outcome` (identity check, handoff, empty or media turns) and from this
turn's tool results; nothing here looks anything up, and nothing promises what the bot
cannot do.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage

from agent.brains.rules import order_replies
from agent.context import StoreProfile
from agent.history import tool_results
from agent.state import AgentState, OutboundMessage
from tools.departments import base_reason

MENU_BUTTONS = [
    {"id": "menu_order_status", "title": "Meu pedido"},
    {"id": "menu_payment", "title": "Pagamento"},
    {"id": "menu_human_agent", "title": "Falar com atendente"},
]

MEDIA_REPLIES = {
    "image": (
        "Recebi sua imagem 📷 Por aqui eu ainda não consigo ver fotos. Me conta em uma "
        "mensagem o que aconteceu? Se for defeito ou produto errado, me passa o número "
        "do pedido que eu te encaminho para o time de trocas."
    ),
    "audio": (
        "Recebi seu áudio, mas por aqui eu ainda não consigo ouvir 🙏 Consegue me "
        "escrever o que você precisa?"
    ),
    "video": (
        "Recebi seu vídeo, mas por aqui eu ainda não consigo assistir 🙏 Me conta por "
        "escrito o que aconteceu?"
    ),
    "document": (
        "Recebi seu documento 📄 Me conta por escrito o que você precisa, que eu te "
        "ajudo ou te encaminho para o time certo."
    ),
    "sticker": "😄 Como posso te ajudar hoje?",
    "location": ("Recebi sua localização 📍 Para falar da entrega, me passa o número do pedido?"),
    "contacts": "Recebi o contato 🙂 Como posso te ajudar?",
    "unsupported": (
        "Recebi sua mensagem, mas não consigo abrir esse formato por aqui 🙏 Pode me escrever "
        "o que você precisa?"
    ),
}

IDENTITY_REPLIES = {
    "ask_order_number": (
        "Claro! Me passa o número do pedido? Ele aparece no e-mail de "
        "confirmação da compra (por exemplo: 1001)."
    ),
    "ask_identity": (
        "Pra proteger seus dados, preciso confirmar que o pedido *{n}* é seu 🔒 "
        "Me informa o e-mail ou o CPF usado na compra?"
    ),
    "invalid_proof": (
        "Hmm, esse e-mail ou CPF parece incompleto 🤔 Confere e me manda de "
        "novo? Pode ser o e-mail ou o CPF usado na compra."
    ),
    "mismatch": (
        "Esses dados não conferem com o pedido *{n}*. Confere e me manda de novo o "
        "e-mail ou o CPF usado na compra? Você tem mais {left} tentativa(s)."
    ),
    "order_not_found": (
        "Não encontrei nenhum pedido com o número *{n}* 🤔 Confere se digitou "
        "certinho? O número está no e-mail de confirmação da compra."
    ),
}

HANDOFF_INTROS = {
    "refund": "Pedidos de reembolso são analisados pelo nosso time financeiro.",
    "identity_failed": "Não consegui confirmar seus dados por aqui.",
    "unresolved": "Não consegui resolver isso por aqui agora.",
    "cancel_shipped": "Como o pedido já foi enviado, o cancelamento vira uma devolução.",
    "exchange_return": "Trocas e devoluções são cuidadas pelo nosso time de trocas.",
    "delivery_problem": "Como essa entrega precisa de atenção, já deixei o rastreio anotado "
    "para o time resolver com a transportadora.",
}


def _is_first_reply(state: AgentState) -> bool:
    """True when the bot has not spoken yet in this conversation."""
    return not any(
        isinstance(message, AIMessage) and not message.tool_calls
        for message in state.get("messages", [])
    )


def _greeting(state: AgentState, store: StoreProfile, name: str | None) -> str:
    hello = f"Oi, {name}!" if name else "Oi!"
    if not _is_first_reply(state):
        return f"{hello} 👋 Como posso te ajudar?"
    return f"{hello} 👋 Aqui é o atendimento da {store.name}. Como posso te ajudar?"


def _identity_section(outcome: dict[str, Any], number: str | None) -> str | None:
    template = IDENTITY_REPLIES.get(str(outcome.get("identity_check")))
    if template is None:
        return None
    return template.format(n=number or "", left=outcome.get("attempts_left", 1))


def _handoff_section(handoff: dict[str, Any]) -> str:
    intro = HANDOFF_INTROS.get(base_reason(handoff["reason"]), "")
    when = (
        "Em instantes alguém continua com você por aqui."
        if handoff["open_now"]
        else f"O atendimento funciona {handoff['hours']}; assim que o time voltar, alguém "
        "continua com você por aqui."
    )
    text = f"Vou te passar para {handoff['label']} 🙋 Seu protocolo é *{handoff['ticket']}*. "
    return (f"{intro} {text}{when}" if intro else text + when).strip()


def _tool_sections(state: AgentState, store: StoreProfile) -> tuple[list[str], str | None]:
    """One paragraph per tool result, plus the owner's first name when an order showed it."""
    results = tool_results(state.get("messages", []))
    tracked = {r.get("order_number") for r in results if r.get("tool") == "track_order"}
    sections: list[str] = []
    name: str | None = None
    for result in results:
        tool = result.get("tool")
        if result.get("error") == "order_not_available":
            sections.append("Não consegui abrir esse pedido agora. Me confirma o número?")
            continue
        if tool == "get_order":
            name = name or result.get("customer_first_name")
            sections.append(
                order_replies.order_section(result, tracked=result.get("order_number") in tracked)
            )
        elif tool in ("track_order", "track_package"):
            sections.append(order_replies.tracking_section(result))
        elif tool == "list_my_orders":
            sections.append(order_replies.orders_list_section(result))
        elif tool == "get_payment_info":
            sections.append(order_replies.payment_section(result, store.url))
        elif tool == "request_refund":
            sections.extend(filter(None, [order_replies.refund_section(result)]))
        elif tool == "request_cancellation":
            sections.extend(filter(None, [order_replies.cancellation_section(result)]))
    return sections, name


def _info_sections(intents: list[str], store: StoreProfile) -> list[str]:
    sections = []
    if "store_info" in intents:
        sections.append(
            f"A {store.name} atende {store.hours}. Nosso site é {store.url} 🛍️\n"
            f"Sobre trocas: {store.exchange_policy}"
        )
    if "product_info" in intents:
        sections.append(
            f"Tamanhos, estoque e preços ficam sempre atualizados no nosso site: "
            f"{store.url} 🛍️ Se quiser, digite *atendente* que alguém da equipe "
            "tira suas dúvidas."
        )
    if "thanks" in intents:
        sections.append("Por nada! 😊 Se precisar de mais alguma coisa, é só chamar.")
    return sections


def _fallback(outcome: dict[str, Any]) -> str:
    if outcome.get("truncated"):
        return (
            "Sua mensagem ficou bem longa e eu não consegui entender o que você precisa 😅 "
            "Consegue resumir em poucas palavras?"
        )
    return (
        "Desculpa, não entendi muito bem 😅 Posso te ajudar com status do pedido, rastreio, "
        "pagamento (boleto ou Pix) e trocas. Se preferir, digite *atendente* para falar "
        "com uma pessoa."
    )


def compose_reply(state: AgentState, store: StoreProfile) -> list[OutboundMessage]:
    """Assemble the turn's outgoing messages; there is always at least one."""
    outcome = state.get("outcome", {})
    if outcome.get("empty"):
        text = (
            "Oi! Sua mensagem chegou vazia por aqui 🙂 Me conta como posso te ajudar: "
            "pedido, entrega, pagamento ou troca?"
        )
        return [OutboundMessage(type="buttons", text=text, buttons=MENU_BUTTONS)]
    media = outcome.get("media")
    if media and not state["inbound"].get("text"):
        return [
            OutboundMessage(type="text", text=MEDIA_REPLIES.get(media, MEDIA_REPLIES["document"]))
        ]

    request = state.get("request", {})
    intents = [str(intent) for intent in request.get("intents", [])]
    sections, name = _tool_sections(state, store)
    identity = _identity_section(outcome, request.get("order_number"))
    if identity:
        sections.insert(0, identity)
    sections.extend(_info_sections(intents, store))
    if handoff := outcome.get("handoff"):
        sections.append(_handoff_section(handoff))

    if "greeting" in intents or (sections and _is_first_reply(state)):
        greeting = _greeting(state, store, name)
        if not sections:
            return [OutboundMessage(type="buttons", text=greeting, buttons=MENU_BUTTONS)]
        sections[0] = f"{greeting.split('👋')[0].strip()} {sections[0]}"
    elif not sections:
        return [OutboundMessage(type="buttons", text=_fallback(outcome), buttons=MENU_BUTTONS)]
    return [OutboundMessage(type="text", text="\n\n".join(sections))]
