"""Replies to product and store questions, written only from what the tools returned.

A product answer names the product as the store does, says which variants are in stock
("o P está esgotado, ainda temos o M e o G"), gives the price (and the promotional one) and
the link; a vague question gets its few best matches as a WhatsApp list. A store answer is
the knowledge entry itself with its source; when nothing answers with confidence, the bot
says it does not know and offers a person. Nothing here invents a product, a price or a
stock figure: every one comes from a tool result.

Every sentence a customer reads from this module is a `catalog.*` or `knowledge.*` key of
the store's reply templates (`agent/store_voice/pt_BR.toml`), so a store rewords them as it
rewords the rest; the grammar that joins sizes and colours ("o M e o G", "na cor Azul")
stays here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agent.brains.rules.wording import money
from agent.state import OutboundMessage
from agent.store_voice.templates import ReplyTemplates
from agent.tool_results import ToolResult

STORE_TOOLS = frozenset({"search_products", "search_knowledge"})
"""The tools whose results this module words."""
PERSON_BUTTON_ID = "menu_human_agent"
"""The reply button that asks for a person, as the greeting menu's does."""
_COLOUR_OPTIONS = frozenset({"cor", "cores", "color", "colour"})


def _joined(items: Sequence[str]) -> str:
    """'A', 'A e B', 'A, B e C'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " e " + items[-1]


def _is_colour(option: str) -> bool:
    return option.casefold() in _COLOUR_OPTIONS


def _where(asked: dict[str, str]) -> str:
    """' no P', ' na cor Azul', ' no M na cor Azul'."""
    parts = [
        f" na cor {value}" if _is_colour(option) else f" no {value}"
        for option, value in asked.items()
    ]
    return "".join(parts)


def _values(option: str, values: Sequence[str]) -> str:
    """'o M e o G' for sizes, 'nas cores Azul e Verde' for colours."""
    if _is_colour(option):
        return ("na cor " if len(values) == 1 else "nas cores ") + _joined(values)
    return _joined([f"o {value}" for value in values])


def _where_any(option: str, values: Sequence[str]) -> str:
    """'nas cores Azul e Verde' for colours, 'no M e no G' for sizes."""
    if _is_colour(option):
        return _values(option, values)
    return _joined([f"no {value}" for value in values])


def _unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _available(product: dict[str, Any]) -> list[dict[str, Any]]:
    return [v for v in product.get("variants", []) if v.get("available")]


def _stock_summary(product: dict[str, Any]) -> str:
    """Which option values have stock: 'M (Azul e Verde) e G (Azul)', or 'P, M e G'."""
    options: list[str] = product.get("options", [])
    available = _available(product)
    if not options or not available:
        return ""
    first = options[0]
    values = _unique([v["values"].get(first, "") for v in available])
    if len(options) == 1:
        return _joined(values)
    second = options[1]
    parts = []
    for value in values:
        others = _unique(
            [v["values"].get(second, "") for v in available if v["values"].get(first) == value]
        )
        parts.append(f"{value} ({_joined(others)})")
    return _joined(parts)


def _price_line(product: dict[str, Any], replies: ReplyTemplates) -> str:
    price = money(product.get("price"))
    sale = money(product.get("promotional_price"))
    if sale:
        return replies.text("catalog.sale_price", price=price, sale=sale)
    return replies.text("catalog.price", price=price) if price else ""


def _availability(product: dict[str, Any], asked: dict[str, str], replies: ReplyTemplates) -> str:
    """Whether what was asked is in stock, and what else is."""
    name = product["name"]
    available = _available(product)
    if not asked:
        if not available:
            return replies.text("catalog.sold_out", name=name)
        summary = _stock_summary(product)
        line = replies.text("catalog.in_stock", name=name, where="", rest="")
        return (
            f"{line} {replies.text('catalog.in_stock_options', options=summary)}"
            if summary
            else line
        )
    matching = [v for v in available if all(v["values"].get(k) == a for k, a in asked.items())]
    where = _where(asked)
    if matching:
        rest = [option for option in product.get("options", []) if option not in asked]
        extra = ""
        if rest:
            values = _unique([v["values"].get(rest[0], "") for v in matching])
            extra = " " + _where_any(rest[0], values)
        return replies.text("catalog.in_stock", name=name, where=where, rest=extra)
    text = replies.text("catalog.sold_out_where", name=name, where=where)
    return f"{text} {_alternatives(available, asked, replies)}".strip()


def _alternatives(
    available: list[dict[str, Any]], asked: dict[str, str], replies: ReplyTemplates
) -> str:
    """What is in stock nearest to what was asked: another size in the same colour first.

    Sizes are tried before colours, since a customer who asks for a blue M usually wants
    blue in another size more than an M in another colour.
    """
    for option in sorted(asked, key=_is_colour):
        fixed = {k: v for k, v in asked.items() if k != option}
        others = _unique(
            [
                v["values"].get(option, "")
                for v in available
                if all(v["values"].get(k) == value for k, value in fixed.items())
            ]
        )
        if others:
            return replies.text(
                "catalog.still_have", others=_values(option, others) + _where(fixed)
            )
    return ""


def product_section(result: ToolResult, replies: ReplyTemplates) -> str:
    """One product: what is in stock, the price and the link."""
    product = result["products"][0]
    asked = result.get("asked") or {}
    missing = result.get("not_offered") or []
    lines = [_availability(product, asked, replies)]
    if missing:
        options = product.get("options", [])
        first = options[0] if options else ""
        values = _unique([v["values"].get(first, "") for v in product.get("variants", [])])
        lines.append(
            replies.text(
                "catalog.not_offered",
                name=product["name"],
                missing=_joined(missing),
                values=_joined(values),
            )
        )
    lines.extend(
        filter(
            None, [_price_line(product, replies), replies.text("catalog.link", url=product["url"])]
        )
    )
    return "\n".join(lines)


def _choice_price(product: dict[str, Any]) -> str:
    return money(product.get("promotional_price")) or money(product.get("price"))


def choices_section(result: ToolResult, replies: ReplyTemplates) -> str:
    """A few products to choose from, each with its price and link."""
    products = result["products"]
    count = result.get("matches") or len(products)
    head = replies.text("catalog.choices_some", count=count) if count > len(products) else None
    lines = [head or replies.text("catalog.choices")]
    for product in products:
        sold_out = "" if product.get("available") else replies.text("catalog.choice_sold_out")
        lines.append(
            replies.text(
                "catalog.choice_line",
                name=product["name"],
                price=_choice_price(product),
                sold_out=sold_out,
                url=product["url"],
            )
        )
    lines.append(replies.text("catalog.choose"))
    return "\n".join(lines)


def choice_rows(result: ToolResult, replies: ReplyTemplates) -> list[dict[str, str]]:
    """The WhatsApp list rows for `choices_section`: name, then price (or sold out)."""
    rows = []
    for product in result["products"]:
        price = _choice_price(product)
        sold_out = not product.get("available")
        description = replies.text("catalog.row_sold_out", price=price) if sold_out else price
        row_id = f"produto_{product['id']}"
        rows.append({"id": row_id, "title": product["name"], "description": description})
    return rows


def knowledge_section(result: ToolResult, replies: ReplyTemplates) -> str:
    """The store's own answers, each with the entry it came from."""
    parts = []
    for entry in result["entries"]:
        key = "knowledge.page_source" if entry.get("source") == "page" else "knowledge.source"
        lines = [entry["answer"], "", replies.text(key, title=entry["title"])]
        if entry.get("link"):
            lines.append(replies.text("catalog.link", url=entry["link"]))
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def _found_anything(results: Sequence[ToolResult]) -> bool:
    return any(
        r.get("catalog") in ("one", "several") or r.get("knowledge") == "found" for r in results
    )


def store_sections(
    results: Sequence[ToolResult], store_url: str, replies: ReplyTemplates
) -> list[str]:
    """The paragraphs answering this turn's product and store questions.

    A catalog search that named no product and a knowledge search that found nothing are
    only said when nothing else answered: the other search did.
    """
    sections: list[str] = []
    misses: list[str] = []
    for result in results:
        catalog, knowledge = result.get("catalog"), result.get("knowledge")
        if catalog == "one":
            sections.append(product_section(result, replies))
        elif catalog == "several":
            sections.append(choices_section(result, replies))
        elif catalog == "unavailable":
            sections.append(replies.text("catalog.unavailable", url=store_url))
        elif knowledge == "found":
            sections.append(knowledge_section(result, replies))
        elif catalog == "none":
            misses.append(replies.text("catalog.none"))
        elif catalog == "unnamed":
            misses.append(replies.text("catalog.unnamed", url=store_url))
        elif knowledge == "unknown":
            misses.append(replies.text("knowledge.unknown"))
    if not sections and misses:
        sections.append(misses[0])  # the first search asked says why nothing answers
    return list(dict.fromkeys(sections))


def store_message(
    results: Sequence[ToolResult], text: str, replies: ReplyTemplates
) -> OutboundMessage | None:
    """The interactive form of the reply: products to pick from, or a person to ask for."""
    for result in results:
        if result.get("catalog") == "several":
            return OutboundMessage(
                type="list",
                text=text,
                rows=choice_rows(result, replies),
                button=replies.text("catalog.choose_button"),
            )
    first_miss = next(
        (r for r in results if r.get("catalog") in ("none", "unnamed") or r.get("knowledge")),
        None,
    )
    said_unknown = not _found_anything(results) and (
        first_miss is not None
        and (first_miss.get("catalog") == "none" or first_miss.get("knowledge") == "unknown")
    )
    if said_unknown:
        button = {"id": PERSON_BUTTON_ID, "title": replies.text("knowledge.person_button")}
        return OutboundMessage(type="buttons", text=text, buttons=[button])
    return None
