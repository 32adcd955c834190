"""Fold WhatsApp-style Portuguese into one spelling so a small lexicon can match it.

Customers write "cade meu pedidu", "qro falar c/ atendente", "OBRIGADAAA 🙏": matching runs
on a folded form (lower case, no accents, no emojis, stretched letters squeezed, slang and
frequent typos spelled out). Identifiers are read from the raw text, never from this form.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from agent.language.slang import SLANG

_EMOJI_RANGES = (
    (0x1F000, 0x1FAFF),
    (0x2600, 0x27BF),
    (0x2B00, 0x2BFF),
    (0x2300, 0x23FF),
    (0xFE00, 0xFE0F),
    (0x1F3FB, 0x1F3FF),
    (0x200D, 0x200D),
    (0x20E3, 0x20E3),
)
_ORDINAL = re.compile(r"\bn\s?[º°]", re.IGNORECASE)
_SHORT_PREPOSITION = re.compile(r"\b([cp])/(?=\s|\w)", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"[.!?;,\n]+|(?:\s|^)[-–—]+(?:\s|$)")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_STRETCHED = re.compile(r"([a-z])\1{2,}")
_DOUBLED_FINAL_VOWEL = re.compile(r"(?<=[a-z]{2})([aeiou])\1\b")
_NUMBER_ABBREVIATION = re.compile(r"\bn (?=\d)")
_PREPOSITIONS = {"c": "com", "p": "para"}
# "é" (is) and "e" (and) fold to the same letter; the verb is kept apart as "eh" so that
# clause splitting at "e" does not cut "o moletom é de algodão" in two.
_IS = re.compile(r"(?<!\w)é(?!\w)")


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A folded message plus the emojis removed from it (they can carry meaning, like 👍)."""

    text: str
    emojis: tuple[str, ...]


def is_emoji(char: str) -> bool:
    """Tell whether a character is an emoji or an emoji modifier rather than text."""
    code = ord(char)
    if code < 0x80:
        return False  # plain ASCII, nearly every character of a message
    if any(low <= code <= high for low, high in _EMOJI_RANGES):
        return True
    return unicodedata.category(char) == "So"


def find_emojis(text: str) -> tuple[str, ...]:
    """Return the emoji characters of `text` in order, without joiners and modifiers."""
    return tuple(
        char
        for char in text
        if is_emoji(char) and not 0xFE00 <= ord(char) <= 0xFE0F and char not in "\u200d\u20e3"
        if not 0x1F3FB <= ord(char) <= 0x1F3FF
    )


def fold_accents(text: str) -> str:
    """Drop diacritics ("não" -> "nao", "ñ" -> "n") so accented and plain spellings match."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _expand_slang(words: list[str]) -> list[str]:
    expanded: list[str] = []
    for word in words:
        expanded.extend(SLANG.get(word, word).split())
    return expanded


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """Fold one piece of text into the lexicon's spelling, punctuation dropped.

    Cached: the lexicon, the problem cues and the model each read the same message.
    """
    text = _ORDINAL.sub(" numero ", text)
    text = "".join(" " if is_emoji(char) else char for char in text)
    text = _SHORT_PREPOSITION.sub(lambda m: f" {_PREPOSITIONS[m.group(1).lower()]} ", text)
    text = _IS.sub(" eh ", text.lower())
    text = fold_accents(text)
    text = _NON_WORD.sub(" ", text)
    text = _STRETCHED.sub(r"\1", text)
    text = _DOUBLED_FINAL_VOWEL.sub(r"\1", text)
    text = _NUMBER_ABBREVIATION.sub("numero ", text)
    return " ".join(_expand_slang(text.split()))


def normalize_message(text: str) -> NormalizedText:
    """Fold a whole message and keep its emojis aside."""
    return NormalizedText(text=normalize(text), emojis=find_emojis(text))


def split_clauses(text: str) -> list[str]:
    """Split a raw message at sentence punctuation and fold each piece; empty pieces dropped.

    Clause boundaries matter for telling "two requests in one line" from one request, and
    punctuation is gone after folding, so the split happens first.
    """
    pieces = (normalize(piece) for piece in _CLAUSE_BREAK.split(text))
    return [piece for piece in pieces if piece]
