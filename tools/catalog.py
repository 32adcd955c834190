"""Product questions answered from the store's catalog, never from memory.

"vocês têm o vestido midi floral no tamanho P?" is read as product words ("vestido midi
floral"), sizes and colours ("p"), and filler. The product words go to the store's own
search (`GET /products?q=`, rate limited and cached by the client); the products found are
ranked by how many of the customer's words their names hold, so one clear winner is
answered variant by variant, and a vague question ("tem vestido?") gets its few best
matches to choose from. What comes back is only what the store returned: names, prices,
stock, links. A product the store does not have is reported as not found, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from integrations.nuvemshop.client import NuvemshopClient
from integrations.nuvemshop.products import Product, ProductVariant, localized
from integrations.tracking.text import fold
from tools.search_text import SLANG, STOPWORDS, stem, words

CatalogMatch = Literal["one", "several", "none", "unnamed"]
"""One product answered; a few to choose from; nothing found; no product named at all."""

MAX_CHOICES = 3
"""Products offered at most for a vague question (a WhatsApp list stays short)."""
SEARCH_LIMIT = 20
"""Products read per search request."""
NAME_WEIGHT = 2
"""A customer's word in a product's name counts this much; in its options, once."""

_WORD = re.compile(r"[\w-]+")
SIZE = re.compile(r"^(?:pp|p|m|g|gg|xg|xgg|eg|egg|exg|unico|[34]\d)$")
"""Sizes as customers type them: letters, or shoe and trouser numbers 30 to 49."""
COLOURS: frozenset[str] = frozenset(
    """
    azul pret branc vermelh verde amarel ros rose bege cinz marrom nude caramel dourad prat
    pratead rox lilas laranj vinh creme arei natural marinh off-white colorid estampad
    """.split()
)
"""Colour words without their o/a ending, so "preto" and "preta" are one colour."""
FILLER: frozenset[str] = frozenset(
    """
    tamanho tamanhos numero numeracao cor cores preco precos valor valores custa custam
    estoque disponivel disponiveis esgotado esgotada link foto fotos modelo modelos produto
    produtos comprar compra vende vendem vender vendas tenho preciso procurando procuro
    opcao opcoes tipo tipos peca pecas item itens reposicao volta voltar chega chegar novo
    nova novos novas novamente vez consigo
    """.split()
)
"""Words of product questions that name no product."""


def colour_base(word: str) -> str:
    """A folded word without a final o/a, so gendered colours compare equal."""
    return word[:-1] if len(word) > 3 and word[-1] in "oa" else word


def _search_form(word: str) -> str:
    """The singular of a plural the store's substring search would miss ("vestidos")."""
    if len(word) > 4 and word.endswith(("oes", "ões")):
        return word[:-3] + ("ão" if word.endswith("ões") else "ao")
    if len(word) > 4 and word.endswith("res"):
        return word[:-2]
    if len(word) > 4 and word.endswith(("os", "as")):
        return word[:-1]
    return word


@dataclass(frozen=True, slots=True)
class Query:
    """A product question split into what names the product and what picks a variant."""

    product_words: tuple[str, ...] = ()
    """Words naming the product, as typed (lower case, accents kept)."""
    colour_words: tuple[str, ...] = ()
    """Colour words, as typed: they may name the product or pick a variant."""
    options: tuple[str, ...] = ()
    """Folded words that may pick a variant: sizes and colours."""

    @property
    def names_something(self) -> bool:
        """The question names a product or at least a colour."""
        return bool(self.product_words or self.colour_words)

    @property
    def stems(self) -> frozenset[str]:
        """Stems of every word that may be in a product's name."""
        return frozenset(stem(fold(w)) for w in (*self.product_words, *self.colour_words))


def parse(question: str) -> Query:
    """Split a customer's question into product words, colours and variant options."""
    product: list[str] = []
    colours: list[str] = []
    options: list[str] = []
    for raw in _WORD.findall(question.lower()):
        folded = fold(raw)
        expanded = SLANG.get(folded, folded).split()
        for word in expanded:
            typed = raw if expanded == [folded] else word
            if word in STOPWORDS or word in FILLER:
                continue
            if SIZE.match(word):
                options.append(word)
            elif colour_base(word) in COLOURS:
                colours.append(typed)
                options.append(word)
            elif len(word) > 1 and not word.isdigit():
                product.append(typed)
    return Query(tuple(product), tuple(colours), tuple(options))


FOLLOW_UP_WORDS = 6
"""A follow-up about products just shown is short: "e no M?", a tapped product name."""


def is_follow_up(question: str, shown: Sequence[str]) -> bool:
    """Whether a short message is about products just shown.

    It is when it holds a size or colour alone, or (part of) one of their names, as a
    tapped WhatsApp list row sends it.
    """
    if not shown or len(words(question)) > FOLLOW_UP_WORDS:
        return False
    query = parse(question)
    if not query.product_words:
        return bool(query.options)
    asked = frozenset(stem(fold(word)) for word in query.product_words)
    return any(asked <= frozenset(stem(word) for word in words(name)) for name in shown)


def _name_stems(product: Product) -> frozenset[str]:
    return frozenset(stem(word) for word in words(product.title))


def _option_bases(product: Product) -> frozenset[str]:
    return frozenset(
        colour_base(fold(value)) for v in product.variants for value in v.option_values
    )


def relevance(product: Product, query: Query) -> int:
    """How well a product answers the question: its name's words, then its options."""
    names = _name_stems(product)
    options = _option_bases(product)
    score = NAME_WEIGHT * len(query.stems & names)
    score += sum(
        1
        for word in query.colour_words
        if stem(fold(word)) not in names and colour_base(fold(word)) in options
    )
    return score


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _variant_view(product: Product, variant: ProductVariant) -> dict[str, Any]:
    return {
        "values": dict(zip(product.option_names, variant.option_values, strict=False)),
        "available": variant.available,
        "stock": variant.stock if variant.stock_management else None,
        "price": _money(variant.price),
        "promotional_price": _money(variant.promotional_price) if variant.on_sale else None,
    }


def product_view(product: Product, store_url: str) -> dict[str, Any]:
    """One product as the brains read it: name, link, photo, price, each variant's stock."""
    prices = [v.price for v in product.variants if v.price is not None]
    sales = [v.promotional_price for v in product.variants if v.on_sale and v.promotional_price]
    handle = localized(product.handle) or None
    url = product.canonical_url or (f"{store_url.rstrip('/')}/produtos/{handle}/" if handle else "")
    return {
        "id": product.id,
        "name": product.title,
        "url": url or store_url,
        "image": product.image,
        "price": _money(min(prices)) if prices else None,
        "promotional_price": _money(min(sales)) if sales else None,
        "available": any(v.available for v in product.variants),
        "options": product.option_names,
        "variants": [_variant_view(product, v) for v in product.variants],
    }


def asked_options(product: Product, query: Query) -> tuple[dict[str, str], list[str]]:
    """The option values the question picks ({"Tamanho": "P"}) and those the product lacks.

    A colour that is part of the product's name ("Calça Pantalona *Preta*") picks nothing.
    """
    names = {colour_base(word) for word in words(product.title)}
    asked: dict[str, str] = {}
    missing: list[str] = []
    for word in query.options:
        base = colour_base(word)
        match = next(
            (
                (attribute, value)
                for v in product.variants
                for attribute, value in zip(product.option_names, v.option_values, strict=False)
                if colour_base(fold(value)) == base
            ),
            None,
        )
        if match is not None:
            asked.setdefault(match[0], match[1])
        elif base not in names:
            missing.append(word.upper() if SIZE.match(word) else word)
    return asked, missing


@dataclass(frozen=True, slots=True)
class CatalogAnswer:
    """What the catalog says about one question, as the tools hand it to the brains."""

    match: CatalogMatch
    products: list[dict[str, Any]] = field(default_factory=list)
    asked: dict[str, str] = field(default_factory=dict)
    """Option values the customer asked for, by option name, as the store spells them."""
    not_offered: list[str] = field(default_factory=list)
    """Sizes or colours the customer asked for that the product does not come in."""
    matches: int = 0
    """How many products answered the question equally well (more than `products` holds)."""

    def payload(self) -> dict[str, Any]:
        """The JSON a tool returns."""
        return {
            "catalog": self.match,
            "products": self.products,
            "asked": self.asked,
            "not_offered": self.not_offered,
            "matches": self.matches,
        }


class CatalogService:
    """Searches the store's published products and picks the answer to a question."""

    def __init__(self, client: NuvemshopClient, *, store_url: str) -> None:
        """Search through `client` (the real API or the demo store).

        Links fall back to pages of `store_url` when the store sends no product URL.
        """
        self._client = client
        self._store_url = store_url

    async def search(self, question: str, *, about: str | None = None) -> CatalogAnswer:
        """The products that answer `question`; `about` names the product of a follow-up.

        "e no M?" names no product, so it is asked about the product last talked about.

        Raises:
            NuvemshopError: the store could not be read.
        """
        query = parse(question)
        if not query.product_words and about:
            named = parse(about)
            query = Query(named.product_words, named.colour_words, query.options)
        if not query.names_something:
            return CatalogAnswer("unnamed")
        found = await self._candidates(query)
        scored = [(relevance(p, query), p) for p in found]
        best = max((score for score, _ in scored), default=0)
        leaders = [p for score, p in scored if score == best and score > 0]
        if not leaders:
            return CatalogAnswer("none")
        if len(leaders) == 1:
            product = leaders[0]
            asked, missing = asked_options(product, query)
            view = product_view(product, self._store_url)
            return CatalogAnswer("one", [view], asked, missing, 1)
        leaders.sort(key=lambda p: not any(v.available for v in p.variants))
        views = [product_view(p, self._store_url) for p in leaders[:MAX_CHOICES]]
        return CatalogAnswer("several", views, matches=len(leaders))

    async def _candidates(self, query: Query) -> list[Product]:
        """The store's search for the whole name, then for each word when that finds nothing."""
        forms = [_search_form(word) for word in query.product_words or query.colour_words]
        found = await self._client.search_products(" ".join(forms), limit=SEARCH_LIMIT)
        if found or len(forms) == 1:
            return found
        unique: dict[int, Product] = {}
        for form in sorted(set(forms), key=len, reverse=True)[:MAX_CHOICES]:
            for product in await self._client.search_products(form, limit=SEARCH_LIMIT):
                unique.setdefault(product.id, product)
        return list(unique.values())
