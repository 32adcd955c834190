"""The output guard on product answers: no price, no product and no dropped name that the
draft and the tool results do not hold."""

from agent.brains.openai.output_guard import check_reply

DRAFT = (
    "*Vestido Midi Floral* no P: esgotado no momento 😕 Ainda temos o M e o G.\n"
    "💰 R$ 189,90\n🔗 https://lojaaurora.example.com/produtos/vestido-midi-floral/"
)
RESULTS = '{"catalog": "one", "products": [{"name": "Vestido Midi Floral", "price": "189.90"}]}'
PRODUCTS = ["Vestido Midi Floral"]


def verdict(reply: str) -> tuple[str, ...]:
    return check_reply(reply, draft=DRAFT, allowed=[RESULTS], products=PRODUCTS).reasons


def test_a_faithful_rewording_passes() -> None:
    reply = (
        "O *Vestido Midi Floral* acabou no P, mas ainda tem no M e no G, por R$ 189,90: "
        "https://lojaaurora.example.com/produtos/vestido-midi-floral/"
    )
    assert verdict(reply) == ()


def test_a_price_nobody_gave_is_refused() -> None:
    reply = (
        "O *Vestido Midi Floral* está por R$ 149,90 no M e no G (de R$ 189,90): "
        "https://lojaaurora.example.com/produtos/vestido-midi-floral/"
    )
    assert "foreign_price" in verdict(reply)


def test_a_product_nobody_returned_is_refused() -> None:
    reply = (
        "No P acabou, mas o *Vestido Longo Estampado* tem! O Midi Floral tem M e G por "
        "R$ 189,90: https://lojaaurora.example.com/produtos/vestido-midi-floral/"
    )
    assert "foreign_product" in verdict(reply)


def test_dropping_the_product_name_is_refused() -> None:
    reply = (
        "Esse acabou no P, tem no M e no G por R$ 189,90: "
        "https://lojaaurora.example.com/produtos/vestido-midi-floral/"
    )
    assert "dropped_fact" in verdict(reply)
