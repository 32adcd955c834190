"""Words as the catalog and knowledge searches compare them: folded, without filler, stemmed.

Customers write "vcs tem vestidos?", "parcelam?", "qnto tempo demora": comparing folded
Snowball stems of the words that carry meaning lets "vestidos" find "Vestido" and
"parcelam" find "Parcelamento" without a list of every inflection. Filler words ("vocês",
"tem", "qual") are dropped first, because they are in every question and would otherwise
decide the ranking.
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

from integrations.tracking.text import fold

_WORD = re.compile(r"[\w-]+")

SLANG: dict[str, str] = {
    "vcs": "voces",
    "vc": "voce",
    "q": "que",
    "qnto": "quanto",
    "qnt": "quanto",
    "qto": "quanto",
    "tb": "tambem",
    "tbm": "tambem",
    "pq": "porque",
    "msg": "mensagem",
    "bh": "belo horizonte",
    "sp": "sao paulo",
    "rj": "rio de janeiro",
}
"""Abbreviations customers type, spelled out before matching."""

STOPWORDS: frozenset[str] = frozenset(
    """
    a o as os um uma uns umas de do da dos das no na nos nas em num numa para pra pro pras
    pros por pelo pela com sem e ou que se me te nos lhe eu voce voces vcs tu ele ela eles
    elas isso isto esse essa este esta aquele aquela ai aqui la tem temos tinha ter teria
    ha vai vou ser sao eh esta estao estou foi era qual quais quanto quantos
    quanta quantas como quando quem porque oi ola bom dia boa tarde noite obrigado
    obrigada por favor gostaria queria quero saber sabe sabem pode podem posso consigo
    ainda tambem mais muito muita so ja agora hoje entao ne la sim nao alguma algum algo
    loja seu sua seus suas meu minha meus minhas ta tah to tao pf pfv antes
    """.split()
)
"""Folded words that say nothing about what is asked."""


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("portuguese")


def words(text: str) -> list[str]:
    """The folded words of `text`, abbreviations spelled out, in order."""
    found: list[str] = []
    for word in _WORD.findall(fold(text)):
        found.extend(SLANG.get(word, word).split())
    return found


@lru_cache(maxsize=4096)
def stem(word: str) -> str:
    """The Snowball stem of one folded word."""
    return str(_stemmer().stemWord(word))


def content_words(text: str) -> list[str]:
    """The folded words of `text` that carry meaning."""
    return [word for word in words(text) if word not in STOPWORDS]


def terms(text: str) -> list[str]:
    """The stems of the words of `text` that carry meaning, in order."""
    return [stem(word) for word in content_words(text)]
