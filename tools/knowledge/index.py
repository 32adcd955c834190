"""Ranking the store's entries for a question: BM25 (bm25s) over stemmed words, offline.

An entry is indexed with its title, questions and keywords twice (they say what it is
about) and its answer once. BM25 orders the entries; whether the best one really answers
is a separate question, because BM25 always has a best: the share of the question's
meaningful words, weighted by how rare they are in the store's entries, that the best entry
holds. "aceita bitcoin?" shares "aceita" with the payment entry, but "bitcoin", which no
entry has, weighs more, so the bot says it does not know instead of listing card brands.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import bm25s

from tools.knowledge.entries import Entry
from tools.search_text import terms

logger = logging.getLogger(__name__)

MIN_COVERAGE = 0.5
"""The least share of the question's weighted words the best entry must hold to be used."""


@dataclass(frozen=True, slots=True)
class Hit:
    """An entry ranked for a question, with how much of the question it covers (0 to 1)."""

    entry: Entry
    score: float
    coverage: float

    @property
    def confident(self) -> bool:
        """Whether the entry answers the question well enough to be told."""
        return self.score > 0 and self.coverage >= MIN_COVERAGE


def entry_terms(entry: Entry) -> list[str]:
    """The stems an entry is found by: what it is about twice, its answer once."""
    about = " ".join((entry.title, *entry.questions, *entry.keywords))
    return terms(about) * 2 + terms(entry.answer)


class KnowledgeIndex:
    """A BM25 index of a fixed set of entries."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        """Index `entries` (built once per set of entries; a few milliseconds)."""
        self.entries = tuple(entries)
        documents = [entry_terms(entry) or ["-"] for entry in self.entries]
        self._vocabulary = {word for document in documents for word in document}
        self._held = [frozenset(document) for document in documents]
        frequency = Counter(word for held in self._held for word in held)
        count = len(documents)
        self._idf = {
            word: math.log(1 + (count - seen + 0.5) / (seen + 0.5))
            for word, seen in frequency.items()
        }
        self._unknown_idf = math.log(1 + (count + 0.5) / 0.5)
        self._bm25 = bm25s.BM25()
        if documents:
            self._bm25.index(documents, show_progress=False)

    def _coverage(self, question: list[str], held: frozenset[str]) -> float:
        # A number no entry has ("3x", "2024") rarely says what the question is about.
        weights = {
            word: self._idf.get(word, self._unknown_idf)
            for word in set(question)
            if word in self._idf or not any(ch.isdigit() for ch in word)
        }
        total = sum(weights.values())
        return sum(w for word, w in weights.items() if word in held) / total if total else 0.0

    def search(self, question: str, *, limit: int = 3) -> list[Hit]:
        """The best entries for `question`, best first; empty when no word matches any."""
        asked = terms(question)
        known = [word for word in asked if word in self._vocabulary]
        if not self.entries or not known:
            return []
        scores = self._bm25.get_scores(known)
        order = sorted(range(len(self.entries)), key=lambda i: float(scores[i]), reverse=True)
        return [
            Hit(self.entries[i], float(scores[i]), self._coverage(asked, self._held[i]))
            for i in order[:limit]
            if float(scores[i]) > 0
        ]
