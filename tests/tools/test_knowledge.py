"""The knowledge file: validated at start in one line, searched offline with BM25, the
store's pages included, the model's embeddings fused in when there are any."""

from collections.abc import Sequence
from pathlib import Path

import pytest

from integrations.nuvemshop.errors import NuvemshopUnavailable
from integrations.nuvemshop.products import Page
from tools.knowledge.base import KnowledgeBase
from tools.knowledge.entries import KnowledgeFileError, load_knowledge, parse_knowledge

GOOD = """
format: atendente-knowledge/1
entries:
  - id: pix
    title: Pagamento com Pix
    topic: payment
    questions: ["aceita pix?"]
    answer: Aceitamos Pix com 5% de desconto.
"""


def test_the_demo_file_is_valid() -> None:
    entries = load_knowledge(None)
    assert {"prazos-de-entrega", "pix", "boleto", "parcelamento"} <= {e.id for e in entries}


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        (
            GOOD.replace("    answer: Aceitamos Pix com 5% de desconto.\n", ""),
            "entries[0] (pix).answer",
        ),
        (GOOD.replace("answer:", "anwser:"), "entries[0] (pix).anwser: unknown key"),
        (GOOD + GOOD.split("entries:\n")[1], "id 'pix' is used twice"),
        (GOOD.replace("topic: payment", "topic: cupons"), "entries[0] (pix).topic"),
        (GOOD.replace("id: pix", "id: Pix Novo"), "kebab-case"),
        ("entries: [oops", "not valid YAML"),
        (GOOD.replace("atendente-knowledge/1", "atendente-knowledge/9"), "format"),
    ],
)
def test_a_broken_file_is_one_clear_line(text: str, fault: str) -> None:
    with pytest.raises(KnowledgeFileError) as raised:
        parse_knowledge(text, "loja.yaml")
    message = str(raised.value)
    assert message.startswith("knowledge file loja.yaml: ")
    assert fault in message
    assert "\n" not in message


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeFileError, match=r"knowledge file .*nada\.yaml: no such file"):
        load_knowledge(tmp_path / "nada.yaml")


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("quanto tempo demora a entrega pra Belo Horizonte?", "prazos-de-entrega"),
        ("aceita pix?", "pix"),
        ("aceita boleto?", "boleto"),
        ("parcela em quantas vezes?", "parcelamento"),
        ("qual a política de troca?", "trocas-e-devolucoes"),
        ("onde fica a loja?", "enderecos-das-lojas"),
    ],
)
async def test_questions_find_their_entry(question: str, entry: str) -> None:
    answer = await KnowledgeBase(load_knowledge(None)).search(question)
    assert [e.id for e in answer.entries][:1] == [entry]
    payload = answer.payload()
    assert payload["knowledge"] == "found"
    assert payload["entries"][0]["title"]


@pytest.mark.parametrize(
    "question", ["vocês aceitam bitcoin?", "vocês têm programa de fidelidade?", "oi"]
)
async def test_nothing_confident_is_unknown(question: str) -> None:
    answer = await KnowledgeBase(load_knowledge(None)).search(question)
    assert answer.payload() == {"knowledge": "unknown"}


async def test_two_questions_get_two_entries() -> None:
    answer = await KnowledgeBase(load_knowledge(None)).search("aceitam pix? parcelam no cartão?")
    assert {e.id for e in answer.entries} == {"pix", "parcelamento"}


async def test_the_store_pages_are_searched_and_linked() -> None:
    reads = 0

    async def pages() -> list[Page]:
        nonlocal reads
        reads += 1
        if reads > 1:
            raise NuvemshopUnavailable("down")
        return [
            Page(id="7", title="Guia de medidas", text="Busto, cintura e quadril.", handle="guia")
        ]

    base = KnowledgeBase(load_knowledge(None), pages=pages, store_url="https://loja.example")
    found = (await base.search("qual a tabela de medidas? busto")).payload()
    assert found["entries"][0]["source"] == "page"
    assert found["entries"][0]["link"] == "https://loja.example/guia/"
    again = (await base.search("medidas de busto e cintura")).payload()
    assert again["knowledge"] == "found"  # a store that cannot answer keeps its pages


class FakeEmbedder:
    def __init__(self, vectors: dict[str, list[float]], *, fail: bool = False) -> None:
        self.vectors = vectors
        self.fail = fail

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if self.fail:
            raise RuntimeError("no embeddings endpoint")
        return [
            next((v for k, v in self.vectors.items() if k in t), [0.0, 0.0, 1.0]) for t in texts
        ]


async def test_embeddings_vouch_for_an_entry_the_words_miss() -> None:
    entries = parse_knowledge(GOOD, "t.yaml")
    question = "dá pra pagar naquele esquema instantâneo?"
    embedder = FakeEmbedder({"Pix": [1.0, 0.0, 0.0], question: [0.9, 0.1, 0.0]})
    assert (await KnowledgeBase(entries).search(question)).entries == ()
    found = await KnowledgeBase(entries, embedder=embedder).search(question)
    assert [e.id for e in found.entries] == ["pix"]


async def test_failing_embeddings_leave_bm25_in_charge() -> None:
    entries = parse_knowledge(GOOD, "t.yaml")
    base = KnowledgeBase(entries, embedder=FakeEmbedder({}, fail=True))
    assert [e.id for e in (await base.search("aceita pix?")).entries] == ["pix"]
