"""Sealed values and customer names in keys: readable only with the key that made them."""

from __future__ import annotations

import pytest

from integrations.redis.protection import PLAIN, SEALED, Protection, UnsealError

KEY = "0123456789abcdef" * 4
OTHER_KEY = "fedcba9876543210" * 4


def test_a_sealed_value_opens_with_its_key_and_shows_nothing_without_it() -> None:
    protection = Protection(KEY)
    sealed = protection.seal("Ana Souza, ana.souza@example.com, CPF 529.982.247-25")
    assert sealed.startswith(SEALED)
    assert "Ana" not in sealed and "529" not in sealed
    assert protection.unseal(sealed) == "Ana Souza, ana.souza@example.com, CPF 529.982.247-25"
    assert protection.seal("x") != protection.seal("x"), "a fresh nonce every time"


def test_another_key_or_a_changed_byte_is_refused() -> None:
    sealed = Protection(KEY).seal("pedido 1001")
    with pytest.raises(UnsealError):
        Protection(OTHER_KEY).unseal(sealed)
    tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(UnsealError):
        Protection(KEY).unseal(tampered)
    with pytest.raises(UnsealError):
        PLAIN.unseal(sealed)


def test_values_written_before_the_key_was_set_still_read() -> None:
    assert Protection(KEY).unseal('{"text": "oi"}') == '{"text": "oi"}'
    assert PLAIN.seal("oi") == "oi"


def test_names_carry_a_keyed_digest_only_with_a_key() -> None:
    assert PLAIN.name("5511987654321") == "5511987654321"
    assert PLAIN.name("a{b}") == "a%7Bb%7D", "braces would cut a hash tag short"
    hidden = Protection(KEY).name("5511987654321")
    assert "987654321" not in hidden and len(hidden) == 32
    assert (
        hidden
        == Protection(KEY).name("5511987654321")
        != Protection(OTHER_KEY).name("5511987654321")
    )


def test_a_customers_keys_share_the_checkpoints_tag_and_so_one_cluster_slot() -> None:
    from integrations.redis.encryption import thread_id_secret
    from integrations.redis.layout import KeySpace

    keys = KeySpace("p", thread_id_secret(KEY))
    assert keys.thread("5511987654321") == "p:{" + Protection(KEY).name("5511987654321") + "}"
    assert KeySpace("p").thread("5511987654321") == "p:{" + PLAIN.name("5511987654321") + "}"
