"""The rules brain's reply: short, warm pt-BR paragraphs assembled from the turn's facts.

Facts come from `outcome` (identity check, handoff, empty or media turns) and from this
turn's tool results; nothing here looks anything up, and nothing promises what the bot
cannot do.
"""

from __future__ import annotations

from langchain_core.messages import AIMessage

from agent.brains.rules import order_replies
from agent.brains.rules.identity_replies import identity_section
from agent.brains.rules.openings import acknowledgement, greeting, salutation
from agent.history import tool_results
from agent.intents import spec
from agent.state import AgentState, HandoffOutcome, OutboundMessage
from agent.store_profile import StoreProfile
from agent.understanding import Intent
from tools.handoff_reasons import spec_of

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


def _is_first_reply(state: AgentState) -> bool:
    """True when the bot has not spoken yet in this conversation."""
    return not any(
        isinstance(message, AIMessage) and not message.tool_calls
        for message in state.get("messages", [])
    )


def _handoff_section(handoff: HandoffOutcome) -> str:
    reason = spec_of(handoff["reason"])
    intro = reason.customer_intro if reason else ""
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


def _info_sections(intents: list[Intent], store: StoreProfile) -> list[str]:
    """Answers that need no tool: the store's public facts, a thank-you."""
    answers = (spec(intent).answer for intent in intents)
    return [answer(store) for answer in answers if answer is not None]


BRIEF_WORDS = 3
"""A message this short that nothing matched may honestly be told it was not understood."""


def _fallback(state: AgentState) -> str:
    """The answer when no request was understood: never "não entendi" to a real complaint."""
    outcome = state.get("outcome", {})
    if outcome.get("truncated"):
        return (
            "Sua mensagem ficou bem longa e eu não consegui entender o que você precisa 😅 "
            "Consegue resumir em poucas palavras?"
        )
    opening = acknowledgement(state)
    words = len(str(state["inbound"].get("text") or "").split())
    if opening is None and words <= BRIEF_WORDS:
        return (
            "Desculpa, não entendi muito bem 😅 Posso te ajudar com status do pedido, rastreio, "
            "pagamento (boleto ou Pix) e trocas. Se preferir, digite *atendente* para falar "
            "com uma pessoa."
        )
    ask = (
        "Quero entender direitinho pra te ajudar: é sobre a entrega, uma troca ou devolução, "
        "um reembolso ou um pagamento? Se preferir, digite *atendente* que eu chamo uma "
        "pessoa da equipe."
    )
    return f"{opening} {ask}" if opening else ask


def _special_turn(state: AgentState) -> list[OutboundMessage] | None:
    """Empty and media-only turns, which have a fixed answer."""
    outcome = state.get("outcome", {})
    if outcome.get("empty"):
        text = (
            "Oi! Sua mensagem chegou vazia por aqui 🙂 Me conta como posso te ajudar: "
            "pedido, entrega, pagamento ou troca?"
        )
        return [OutboundMessage(type="buttons", text=text, buttons=MENU_BUTTONS)]
    media = outcome.get("media")
    if media and not state["inbound"].get("text"):
        text = MEDIA_REPLIES.get(media, MEDIA_REPLIES["document"])
        return [OutboundMessage(type="text", text=text)]
    return None


def _sections(state: AgentState, store: StoreProfile) -> tuple[list[str], str | None]:
    """The reply's paragraphs in order, without repeats, and the customer's first name."""
    request = state.get("request", {})
    intents = list(request.get("intents", []))
    sections, name = _tool_sections(state, store)
    identity = identity_section(state.get("outcome", {}), request)
    if identity:
        sections.insert(0, identity)
    sections.extend(_info_sections(intents, store))
    if handoff := state.get("outcome", {}).get("handoff"):
        sections.append(_handoff_section(handoff))
    return list(dict.fromkeys(sections)), name


def compose_reply(state: AgentState, store: StoreProfile) -> list[OutboundMessage]:
    """Assemble the turn's outgoing messages; there is always at least one."""
    special = _special_turn(state)
    if special is not None:
        return special
    intents = list(state.get("request", {}).get("intents", []))
    opening = acknowledgement(state)
    sections, name = _sections(state, store)
    if not sections:
        if "greeting" in intents:
            text = greeting(store.name, name, first=_is_first_reply(state))
            return [OutboundMessage(type="buttons", text=text, buttons=MENU_BUTTONS)]
        return [OutboundMessage(type="buttons", text=_fallback(state), buttons=MENU_BUTTONS)]
    if opening:
        sections[0] = f"{opening} {sections[0]}"
    social_only = set(intents) <= {"thanks"}
    if ("greeting" in intents or _is_first_reply(state)) and not social_only:
        sections[0] = f"{salutation(name)} {sections[0]}"
    return [OutboundMessage(type="text", text="\n\n".join(sections))]
