"""Products and content pages as the Nuvemshop API returns them, read for customer questions.

Names, descriptions, handles and option values are multilingual objects
(`{"pt": "Vestido", "es": "Vestido"}`); `localized` picks the store's language (Portuguese
first) so callers get plain text. Prices stay `Decimal` and stock stays `None` when the store
does not track it (`stock_management: false`), which means "always available", not zero.

Pages are read leniently: the API's page objects have changed shape between versions
(`name` or `title`, `content` as text or per language), and a page we cannot read is left
out rather than failing a customer's question.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from integrations.nuvemshop.models import OptionalDecimal, OptionalInt

LANGUAGES: tuple[str, ...] = ("pt", "pt_BR", "es", "en")
"""The languages read, in order of preference, from a multilingual field."""

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def localized(value: object) -> str:
    """The text of a multilingual field in the store's language, or '' when there is none."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        for language in LANGUAGES:
            text = value.get(language)
            if isinstance(text, str) and text.strip():
                return text.strip()
        for text in value.values():
            if isinstance(text, str) and text.strip():
                return text.strip()
    return ""


def plain_text(markup: str) -> str:
    """HTML as the plain paragraphs a WhatsApp message can carry, list items as bullets."""
    text = re.sub(r"(?i)<br\s*/?>|</p>|</li>|</h\d>|</div>", "\n", markup)
    text = re.sub(r"(?i)<li[^>]*>", "• ", text)
    text = re.sub(r"(?i)</?(?:strong|b|em|i|u|span|a)(?:\s[^>]*)?>", "", text)
    text = html.unescape(_TAG.sub(" ", text))
    lines = [_SPACE.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


class _ApiModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, coerce_numbers_to_str=True)


class ProductVariant(_ApiModel):
    """One sellable version of a product: its option values, price and stock."""

    id: int
    product_id: OptionalInt = None
    price: OptionalDecimal = None
    promotional_price: OptionalDecimal = None
    stock_management: bool = False
    stock: OptionalInt = None
    """Units in stock; `None` when the store does not track stock for this variant."""
    sku: str | None = None
    values: list[dict[str, Any]] = Field(default_factory=list)
    """One multilingual value per product attribute, in the attributes' order."""

    @property
    def option_values(self) -> list[str]:
        """The values in the store's language ("P", "Azul")."""
        return [localized(value) for value in self.values]

    @property
    def available(self) -> bool:
        """Whether it can be bought now: untracked stock counts as available."""
        return not self.stock_management or self.stock is None or self.stock > 0

    @property
    def on_sale(self) -> bool:
        """A promotional price below the regular one is in force."""
        return (
            self.promotional_price is not None
            and self.price is not None
            and Decimal(0) < self.promotional_price < self.price
        )


class ProductImage(_ApiModel):
    """A product photo; the first by `position` is the one shown."""

    id: OptionalInt = None
    src: str
    position: int = 0


class Product(_ApiModel):
    """A product of the store's catalog with its variants and images."""

    id: int
    name: dict[str, Any] | str
    description: dict[str, Any] | str | None = None
    handle: dict[str, Any] | str | None = None
    attributes: list[dict[str, Any]] = Field(default_factory=list)
    variants: list[ProductVariant] = Field(default_factory=list)
    images: list[ProductImage] = Field(default_factory=list)
    published: bool = True
    canonical_url: str | None = None
    tags: str | None = None
    brand: str | None = None

    @property
    def title(self) -> str:
        """The name in the store's language."""
        return localized(self.name)

    @property
    def text(self) -> str:
        """The description as plain text."""
        return plain_text(localized(self.description))

    @property
    def option_names(self) -> list[str]:
        """The attribute names in the store's language ("Tamanho", "Cor")."""
        return [localized(attribute) for attribute in self.attributes]

    @property
    def image(self) -> str | None:
        """The address of the first photo, if there is one."""
        ordered = sorted(self.images, key=lambda image: image.position)
        return ordered[0].src if ordered else None


class Page(BaseModel):
    """A content page the store wrote (shipping, exchanges, about us), as plain text."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    text: str
    handle: str = ""
    url: str | None = None

    @classmethod
    def from_api(cls, item: object) -> Page | None:
        """Read one page object of either known shape; None for a draft or an unreadable one."""
        if not isinstance(item, dict) or item.get("id") is None:
            return None
        if item.get("publish") is False or item.get("published") is False:
            return None
        i18n = item.get("i18n")
        translated: dict[str, Any] = {}
        if isinstance(i18n, dict):
            translated = next(
                (i18n[lang] for lang in (*LANGUAGES, *i18n) if isinstance(i18n.get(lang), dict)),
                {},
            )
        title = localized(item.get("name") or item.get("title") or translated.get("title"))
        text = plain_text(localized(item.get("content") or translated.get("content")))
        if not title or not text:
            return None
        handle = localized(item.get("handle") or translated.get("seo_handle"))
        url = item.get("url") if isinstance(item.get("url"), str) else None
        return cls(id=str(item["id"]), title=title, text=text, handle=handle, url=url)
