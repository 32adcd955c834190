"""The catalog search on the demo store: one product by name, size and colour, a few for a
vague question, nothing invented for what the store lacks."""

import pytest

from integrations.nuvemshop.client import NuvemshopClient
from tests.integrations.nuvemshop.conftest import store  # noqa: F401 - the demo store's client
from tools.catalog import CatalogService, is_follow_up, parse

STORE_URL = "https://lojaaurora.example.com"


@pytest.fixture
def catalog(store: NuvemshopClient) -> CatalogService:  # noqa: F811 - the fixture above
    return CatalogService(store, store_url=STORE_URL)


def test_parse_splits_product_words_sizes_and_colours() -> None:
    query = parse("vocês têm o vestido midi floral no tamanho P em azul?")
    assert query.product_words == ("vestido", "midi", "floral")
    assert query.colour_words == ("azul",)
    assert query.options == ("p", "azul")


async def test_one_product_by_name_and_size(catalog: CatalogService) -> None:
    answer = await catalog.search("vocês têm o vestido midi floral no tamanho P?")
    assert answer.match == "one"
    product = answer.products[0]
    assert product["name"] == "Vestido Midi Floral"
    assert product["price"] == "189.90"
    assert product["url"] == f"{STORE_URL}/produtos/vestido-midi-floral/"
    assert product["image"].endswith("vestido-midi-floral-1.jpg")
    assert answer.asked == {"Tamanho": "P"}
    in_p = [v for v in product["variants"] if v["values"]["Tamanho"] == "P"]
    assert in_p and not any(v["available"] for v in in_p)


async def test_colour_and_size_pick_the_variant(catalog: CatalogService) -> None:
    answer = await catalog.search("regata ribana verde tem P?")
    assert answer.match == "one"
    assert answer.asked == {"Cor": "Verde", "Tamanho": "P"}


async def test_promotional_price_is_reported(catalog: CatalogService) -> None:
    answer = await catalog.search("quanto tá a jaqueta jeans?")
    product = answer.products[0]
    assert (product["price"], product["promotional_price"]) == ("249.90", "199.90")


async def test_vague_question_offers_at_most_three(catalog: CatalogService) -> None:
    answer = await catalog.search("tem vestido?")
    assert answer.match == "several"
    assert answer.matches == 4
    assert len(answer.products) == 3
    assert answer.products[-1]["available"] or all(p["available"] for p in answer.products)


async def test_what_the_store_lacks_is_not_found(catalog: CatalogService) -> None:
    assert (await catalog.search("vocês vendem bicicleta?")).match == "none"
    assert (await catalog.search("tem no P?")).match == "unnamed"


async def test_a_follow_up_is_about_the_product_just_shown(catalog: CatalogService) -> None:
    answer = await catalog.search("e no M?", about="Macacão de Linho Verde Oliva")
    assert answer.match == "one"
    assert answer.products[0]["name"] == "Macacão de Linho Verde Oliva"
    assert answer.asked == {"Tamanho": "M"}


async def test_a_size_the_product_lacks_is_named(catalog: CatalogService) -> None:
    answer = await catalog.search("o vestido tubinho preto tem no XG?")
    assert answer.not_offered == ["XG"]


def test_follow_ups_are_short_and_about_what_was_shown() -> None:
    shown = ["Vestido Midi Floral", "Macacão de Linho Verde Oliva"]
    assert is_follow_up("e no M?", shown)
    assert is_follow_up("Macacão de Linho Verde…", shown)
    assert not is_follow_up("obrigada!", shown)
    assert not is_follow_up("e no M?", [])
    assert not is_follow_up("tem bicicleta?", shown)
