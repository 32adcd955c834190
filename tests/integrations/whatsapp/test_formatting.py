from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.whatsapp.formatting import (
    DEFAULT_LIST_BUTTON,
    MORE_OPTIONS,
    build_payloads,
    split_text,
    truncate,
)

TO = "5511987654321"

# At most 29 characters, so a word with its punctuation (". ") always fits the smallest
# limit (30); words that must be cut are the next test's case.
words = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=29
).map(lambda w: "".join(w.split()) or "x")
separators = st.sampled_from([" ", "  ", "\n", "\n\n", ". ", "! ", "? ", "\t", ".\n\n"])


@st.composite
def texts(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.tuples(words, separators), max_size=60))
    return "".join(word + sep for word, sep in parts)


@settings(max_examples=300, deadline=None)
@given(text=texts(), limit=st.integers(min_value=30, max_value=400))
def test_chunks_fit_and_keep_every_word_in_order(text: str, limit: int) -> None:
    chunks = split_text(text, limit)
    assert all(0 < len(chunk) <= limit for chunk in chunks)
    assert all(chunk == chunk.strip() for chunk in chunks)
    assert [w for chunk in chunks for w in chunk.split()] == text.split()


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300), limit=st.integers(min_value=1, max_value=40))
def test_any_text_keeps_its_characters_even_when_words_must_be_cut(text: str, limit: int) -> None:
    chunks = split_text(text, limit)
    assert all(0 < len(chunk) <= limit for chunk in chunks)
    assert "".join("".join(c.split()) for c in chunks) == "".join(text.split())


def test_split_prefers_paragraphs_then_sentences() -> None:
    first = "Seu pedido #1001 foi enviado pelos Correios."
    second = "O código de rastreio é AA123456785BR. Chega em 3 dias úteis."
    assert split_text(f"{first}\n\n{second}", 70) == [first, second]
    assert split_text(f"{first} {second}", 70) == [first, second]
    assert split_text(f"{first} {second}", 50) == [
        first,
        "O código de rastreio é AA123456785BR.",
        "Chega em 3 dias úteis.",
    ]


def test_a_short_text_is_one_chunk_and_blank_text_none() -> None:
    assert split_text("  Oi!  ") == ["Oi!"]
    assert split_text(" \n ") == []


def test_a_word_longer_than_the_limit_is_cut() -> None:
    assert split_text("https://example.com/" + "a" * 30, 20) == [
        "https://example.com/",
        "a" * 20,
        "a" * 10,
    ]


def test_truncate_ends_with_an_ellipsis() -> None:
    assert truncate("Rastrear meu pedido agora", 20) == "Rastrear meu pedido…"
    assert truncate("Curto", 20) == "Curto"


def only(payloads: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(payloads) == 1
    return payloads[0]


def test_text_payload_and_link_preview() -> None:
    plain = only(build_payloads(TO, {"type": "text", "text": "Olá!"}))
    assert plain == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": TO,
        "type": "text",
        "text": {"body": "Olá!", "preview_url": False},
    }
    linked = only(build_payloads(TO, {"type": "text", "text": "Veja https://rastreio.example/AA1"}))
    assert linked["text"]["preview_url"] is True


def test_long_text_becomes_several_messages() -> None:
    text = ("Frase de teste. " * 600).strip()
    payloads = build_payloads(TO, {"type": "text", "text": text})
    assert len(payloads) == 3
    assert all(len(p["text"]["body"]) <= 4096 for p in payloads)
    assert " ".join(p["text"]["body"] for p in payloads) == text


def test_buttons_are_truncated_and_made_unique() -> None:
    message = {
        "type": "buttons",
        "text": "Posso ajudar em algo mais?",
        "buttons": [
            {"id": "track", "title": "Rastrear meu pedido agora"},
            {"id": "track", "title": "Rastrear meu pedido agora!"},
            {"id": "human", "title": "Falar com atendente"},
        ],
    }
    interactive = only(build_payloads(TO, message))["interactive"]
    assert interactive["type"] == "button"
    assert interactive["body"] == {"text": "Posso ajudar em algo mais?"}
    replies = [b["reply"] for b in interactive["action"]["buttons"]]
    assert all(b["type"] == "reply" for b in interactive["action"]["buttons"])
    assert [r["id"] for r in replies] == ["track", "track~2", "human"]
    assert [r["title"] for r in replies] == [
        "Rastrear meu pedido…",
        "Rastrear meu pedi…~2",
        "Falar com atendente",
    ]


def test_long_button_text_goes_first_as_text() -> None:
    text = "Detalhes do pedido. " * 80 + "Quer falar com alguém?"
    payloads = build_payloads(
        TO, {"type": "buttons", "text": text, "buttons": [{"id": "y", "title": "Sim"}]}
    )
    assert [p["type"] for p in payloads] == ["text", "interactive"]
    body = payloads[-1]["interactive"]["body"]["text"]
    assert len(body) <= 1024 and body.endswith("Quer falar com alguém?")
    joined = payloads[0]["text"]["body"] + " " + body
    assert joined.split() == text.split()


def test_more_than_three_buttons_become_a_list() -> None:
    buttons = [{"id": f"o{i}", "title": f"Opção {i}"} for i in range(4)]
    interactive = only(
        build_payloads(TO, {"type": "buttons", "text": "Escolha", "buttons": buttons})
    )["interactive"]
    assert interactive["type"] == "list"
    assert interactive["action"]["button"] == DEFAULT_LIST_BUTTON
    assert [r["id"] for r in interactive["action"]["sections"][0]["rows"]] == [
        "o0",
        "o1",
        "o2",
        "o3",
    ]


def test_list_limits_and_splitting() -> None:
    rows = [
        {"id": f"pedido-{i}", "title": f"Pedido número {i} de janeiro", "description": "d" * 100}
        for i in range(12)
    ]
    message = {
        "type": "list",
        "text": "Seus pedidos:",
        "button": "Ver todos os meus pedidos",
        "rows": rows,
    }
    payloads = build_payloads(TO, message)
    assert len(payloads) == 2
    first, second = (p["interactive"] for p in payloads)
    assert first["body"]["text"] == "Seus pedidos:"
    assert second["body"]["text"] == MORE_OPTIONS
    assert first["action"]["button"] == "Ver todos os meus p…"
    first_rows = first["action"]["sections"][0]["rows"]
    second_rows = second["action"]["sections"][0]["rows"]
    assert len(first_rows) == 10 and len(second_rows) == 2
    assert first_rows[0]["title"] == "Pedido número 0 de jane…"
    assert len(first_rows[0]["description"]) == 72
    assert [r["id"] for r in first_rows + second_rows] == [f"pedido-{i}" for i in range(12)]


def test_template_components_and_flattened_parameters() -> None:
    message = {
        "type": "template",
        "text": "Olá Ana, seu pedido 1001 foi enviado.",
        "template": {
            "name": "pedido_enviado",
            "language": "pt_BR",
            "parameters": ["Ana\nSilva", "1001"],
        },
    }
    assert only(build_payloads(TO, message))["template"] == {
        "name": "pedido_enviado",
        "language": {"code": "pt_BR"},
        "components": [
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "Ana Silva"},
                    {"type": "text", "text": "1001"},
                ],
            }
        ],
    }
    bare = only(build_payloads(TO, {"type": "template", "template": {"name": "ola"}}))["template"]
    assert bare == {"name": "ola", "language": {"code": "pt_BR"}}


@pytest.mark.parametrize(
    "message",
    [
        {"type": "text", "text": "  "},
        {"type": "video", "text": "x"},
        {"type": "template", "text": "x"},
        {"type": "buttons", "text": "x", "buttons": [{"id": "a", "title": " "}]},
    ],
)
def test_messages_that_cannot_be_built_are_refused(message: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        build_payloads(TO, message)
