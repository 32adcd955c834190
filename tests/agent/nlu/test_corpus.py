"""The real-message corpus: large enough, well formed, private, and its test split frozen."""

from __future__ import annotations

import hashlib
import re
from collections import Counter

from agent.language.validators import is_valid_cpf
from agent.nlu.corpus import real_examples, split_digest, training_examples, written_examples

FROZEN_TEST_DIGEST = "bc692ba82abdd3e04f8cfdda66c21b7bf957eb3d280252fe1dac9aee3f727fb2"
"""The test split as it was frozen before any model or lexicon change; never update it."""


def test_the_test_split_is_frozen() -> None:
    assert split_digest("test") == FROZEN_TEST_DIGEST


def test_at_least_two_thousand_real_messages_in_three_splits() -> None:
    examples = real_examples()
    assert len(examples) >= 2000
    counts = Counter(e.split for e in examples)
    assert counts["test"] >= 600 and counts["dev"] >= 300
    assert len({e.id for e in examples}) == len(examples)
    assert len({e.text.lower() for e in examples}) == len(examples)


def test_labels_are_consistent() -> None:
    for example in real_examples():
        assert example.intent in example.acceptable, example.id
        assert example.intents[0] == example.intent, example.id
        assert (example.problem is None) == (not example.problems), example.id
        if example.problem:
            assert example.problems[0] == example.problem, example.id


def test_no_split_leaks_into_another_and_only_train_is_learned() -> None:
    learned = {e.text for e in training_examples()}
    for split in ("dev", "test"):
        assert not learned & {e.text for e in real_examples(split)}, split
    assert len(training_examples()) == len(real_examples("train")) + len(written_examples())


RESERVED_NAME_SHA256 = "d7bc80ba52a61c2a1b12d3b25d6c125ceabef890017ef40b88f382e333e931e9"
"""The marketplace whose reviews are reserved for held-out evaluation, by its lower-case
name's digest, so the project can refuse its data without ever naming it."""
RESERVED_NAME_LENGTH = 5


def names_the_reserved_marketplace(text: str) -> bool:
    """Whether any stretch of `text` (case aside) is the reserved marketplace's name."""
    folded = text.lower().encode()
    return any(
        hashlib.sha256(folded[start : start + RESERVED_NAME_LENGTH]).hexdigest()
        == RESERVED_NAME_SHA256
        for start in range(len(folded) - RESERVED_NAME_LENGTH + 1)
    )


def test_no_reserved_marketplace_and_no_personal_data() -> None:
    emails = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
    cpfs = re.compile(r"(?<!\d)\d{3}\.?\d{3}\.?\d{3}-?\d{2}(?!\d)")
    for example in real_examples():
        assert not names_the_reserved_marketplace(example.source), "reserved for evaluation"
        assert not names_the_reserved_marketplace(example.text), example.id
        for address in emails.findall(example.text):
            assert address.endswith("@example.com"), example.id
        for cpf in cpfs.findall(example.text):
            digits = re.sub(r"\D", "", cpf)
            assert not is_valid_cpf(digits) or digits.startswith("000000"), example.id
