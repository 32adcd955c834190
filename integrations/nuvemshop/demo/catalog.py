"""The demo store's catalog and content pages, answered in the API's shapes.

`GET /products` filters as Nuvemshop documents it: `q` finds products whose name,
description or SKU (a variant's included) contains the text, case- and accent-insensitively;
`published` and `handle` filter; `fields` narrows each product. `GET /products/{id}` reads
one product and `GET /pages` lists the content pages, drafts included, as the API does for
an app with the content scope. The products are the ones the demo orders refer to, by the
same product and variant ids, plus the rest of a small fashion store's catalog.
"""

from __future__ import annotations

import copy
import json
import unicodedata
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

import httpx

Json = dict[str, Any]
Page = Callable[[httpx.Request, list[Json]], httpx.Response]
"""How the store answers one page of a list, with its `Link` and count headers."""


@cache
def _text(name: str) -> str:
    return (resources.files("integrations.nuvemshop.demo") / name).read_text(encoding="utf-8")


def demo_products() -> list[Json]:
    """A fresh copy of the demo catalog, in the API's product shape."""
    products: list[Json] = json.loads(_text("products.json"))
    return products


def demo_pages() -> list[Json]:
    """A fresh copy of the demo store's content pages."""
    pages: list[Json] = json.loads(_text("pages.json"))
    return pages


def _fold(text: object) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _languages(value: object) -> str:
    """Every language of a multilingual field, as one searchable text."""
    if isinstance(value, dict):
        return " ".join(str(text) for text in value.values())
    return str(value or "")


def _matches(product: Json, q: str) -> bool:
    """`q` is in the name, the description or a SKU."""
    skus = " ".join(str(v.get("sku") or "") for v in product.get("variants", []))
    haystack = " ".join(
        (_languages(product.get("name")), _languages(product.get("description")), skus)
    )
    return q in _fold(haystack)


class DemoCatalog:
    """Products and pages of one demo store, served through the store's own request checks."""

    def __init__(self, products: list[Json] | None = None, pages: list[Json] | None = None) -> None:
        """Serve `products` and `pages`, by default the shipped demo ones."""
        self._products = products if products is not None else demo_products()
        self._pages = pages if pages is not None else demo_pages()

    def route(
        self, request: httpx.Request, resource: str, item_id: str | None, page: Page
    ) -> httpx.Response:
        """Answer GET /products, /products/{id} or /pages; `page` paginates a list."""
        if resource == "pages":
            return page(request, copy.deepcopy(self._pages))
        params = request.url.params
        fields = [f for f in params.get("fields", "").split(",") if f.strip()]
        if item_id is not None:
            found = next((p for p in self._products if str(p["id"]) == item_id), None)
            if found is None:
                body = {"code": 404, "message": "Not Found", "description": "Product not found"}
                return httpx.Response(404, json=body)
            return httpx.Response(200, json=_narrow(found, fields))
        return page(request, [_narrow(p, fields) for p in self._filter(params)])

    def _filter(self, params: httpx.QueryParams) -> list[Json]:
        q = _fold(params.get("q", "")).strip()
        published = params.get("published")
        handle = params.get("handle")
        found = []
        for product in self._products:
            if q and not _matches(product, q):
                continue
            if published in ("true", "false") and product.get("published") != (published == "true"):
                continue
            if handle and handle not in _languages(product.get("handle")).split():
                continue
            found.append(product)
        return found


def _narrow(product: Json, fields: list[str]) -> Json:
    """The product with only `fields` (all of them when none are asked for)."""
    if not fields:
        return copy.deepcopy(product)
    return {name: copy.deepcopy(product[name]) for name in fields if name in product}
