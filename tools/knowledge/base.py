"""The store's knowledge: the entries of its file plus its own pages, searched per question.

Pages come from the store's API (through the client's cache and rate limit) at each
search; the index is rebuilt only when they changed, and a store that cannot be read keeps
the pages it had. With a model configured, the model's embeddings rank the entries beside
BM25 (reciprocal rank fusion) and may vouch for an entry the words alone do not cover
("dá pra pagar parcelado?" and "parcelamento"); without one, retrieval is BM25 alone.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from integrations.nuvemshop.errors import NuvemshopError
from integrations.nuvemshop.products import Page
from tools.knowledge.entries import Entry
from tools.knowledge.index import Hit, KnowledgeIndex

logger = logging.getLogger(__name__)

EMBEDDING_CONFIDENT = 0.5
"""Cosine similarity from which the model's embeddings vouch for an entry on their own."""
FUSION_K = 60
"""Reciprocal rank fusion's constant (Cormack et al., 2009)."""

PageSource = Callable[[], Awaitable[list[Page]]]
"""Reads the store's published content pages."""


class Embedder(Protocol):
    """Turns texts into vectors (the configured model's embeddings endpoint)."""

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text, in order."""
        ...


MAX_ENTRIES = 2
"""Entries told at most for one message ("aceitam pix? parcelam no cartão?" asks two)."""
_CLAUSE = re.compile(r"[?!.;\n]+")


@dataclass(frozen=True, slots=True)
class KnowledgeAnswer:
    """The entries that answer a question with confidence; none when the store has no answer."""

    entries: tuple[Entry, ...] = ()

    def payload(self) -> dict[str, Any]:
        """The JSON a tool returns: the entries to cite, or `unknown`."""
        if not self.entries:
            return {"knowledge": "unknown"}
        return {
            "knowledge": "found",
            "entries": [
                {
                    "id": entry.id,
                    "title": entry.title,
                    "answer": entry.answer,
                    "link": entry.link,
                    "source": "page" if entry.topic == "page" else "file",
                }
                for entry in self.entries
            ],
        }


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


class KnowledgeBase:
    """Answers store questions from the knowledge file and the store's pages."""

    def __init__(
        self,
        entries: Sequence[Entry],
        *,
        pages: PageSource | None = None,
        store_url: str = "",
        embedder: Embedder | None = None,
    ) -> None:
        """Search `entries`, plus what `pages` reads; `embedder` adds the model's ranking."""
        self._entries = tuple(entries)
        self._pages = pages
        self._store_url = store_url
        self._embedder = embedder
        self._page_entries: tuple[Entry, ...] = ()
        self._index = KnowledgeIndex(self._entries)
        self._vectors: dict[str, list[float]] = {}

    @property
    def entries(self) -> tuple[Entry, ...]:
        """Every entry searched now: the file's, then the pages'."""
        return self._index.entries

    async def _refresh(self) -> None:
        """Re-index when the store's pages changed; keep the old ones when it cannot answer."""
        if self._pages is None:
            return
        try:
            pages = await self._pages()
        except NuvemshopError as error:
            logger.warning("store pages unavailable: %s", type(error).__name__)
            return
        fresh = tuple(Entry.from_page(page, self._store_url) for page in pages)
        if fresh != self._page_entries:
            self._page_entries = fresh
            self._index = KnowledgeIndex(self._entries + fresh)
            self._vectors = {}

    async def _similarities(self, question: str) -> dict[str, float] | None:
        """Each entry's cosine similarity to the question, or None without embeddings."""
        if self._embedder is None:
            return None
        entries = self.entries
        try:
            missing = [e for e in entries if e.id not in self._vectors]
            if missing:
                texts = [f"{e.title}\n{' '.join(e.questions)}\n{e.answer}" for e in missing]
                for entry, vector in zip(missing, await self._embedder.embed(texts), strict=True):
                    self._vectors[entry.id] = vector
            (asked,) = await self._embedder.embed([question])
        except Exception as error:  # any failure of the model's side leaves BM25 in charge
            logger.warning("embeddings unavailable: %s", type(error).__name__)
            return None
        return {e.id: _cosine(asked, self._vectors[e.id]) for e in entries}

    async def search(self, question: str) -> KnowledgeAnswer:
        """The entries that answer `question`: the whole of it, then each of its clauses."""
        await self._refresh()
        clauses = [part for part in _CLAUSE.split(question) if part.strip()]
        found: list[Entry] = []
        for part in [question, *clauses] if len(clauses) > 1 else [question]:
            entry = await self._best(part)
            if entry is not None and entry not in found:
                found.append(entry)
        return KnowledgeAnswer(tuple(found[:MAX_ENTRIES]))

    async def _best(self, question: str) -> Entry | None:
        """The entry that answers `question` with confidence, if one does."""
        hits = self._index.search(question, limit=len(self.entries))
        similarity = await self._similarities(question)
        if similarity is None:
            best = hits[0] if hits else None
            return best.entry if best is not None and best.confident else None
        return self._fused(hits, similarity)

    def _fused(self, hits: list[Hit], similarity: dict[str, float]) -> Entry | None:
        """BM25's and the embeddings' rankings by reciprocal rank fusion."""
        fused: dict[str, float] = {}
        for rank, hit in enumerate(hits):
            fused[hit.entry.id] = 1 / (FUSION_K + rank + 1)
        by_meaning = sorted(similarity, key=lambda entry_id: similarity[entry_id], reverse=True)
        for rank, entry_id in enumerate(by_meaning):
            fused[entry_id] = fused.get(entry_id, 0.0) + 1 / (FUSION_K + rank + 1)
        if not fused:
            return None
        chosen = max(fused, key=lambda entry_id: fused[entry_id])
        lexical = next((hit for hit in hits if hit.entry.id == chosen), None)
        sure = bool(lexical and lexical.confident) or similarity[chosen] >= EMBEDDING_CONFIDENT
        return next(e for e in self.entries if e.id == chosen) if sure else None
