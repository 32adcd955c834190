"""The shipped dialogues: enough of them, and covering what the suite promises to test."""

from __future__ import annotations

from collections import Counter

import pytest

from agent.understanding import INTENTS
from evals.dialogue import DATASET_DIR, DEPARTMENTS, Dialogue, load_dialogues

CATEGORIES = ("identity", "attack", "angry", "media", "burst", "handoff", "release")


@pytest.fixture(scope="module")
def dialogues() -> list[Dialogue]:
    return load_dialogues(DATASET_DIR)


def test_at_least_60_dialogues_and_250_customer_turns(dialogues: list[Dialogue]) -> None:
    assert len(dialogues) >= 60
    assert sum(len(d.customer_turns) for d in dialogues) >= 250


def test_every_intent_is_expected_at_least_three_times(dialogues: list[Dialogue]) -> None:
    expected = Counter(
        intent
        for dialogue in dialogues
        for turn in dialogue.customer_turns
        for intent in turn.expect.intent or ()
    )
    assert {intent: expected[intent] for intent in INTENTS if expected[intent] < 3} == {}


def test_every_category_has_dialogues(dialogues: list[Dialogue]) -> None:
    tagged = Counter(tag for dialogue in dialogues for tag in set(dialogue.tags))
    assert {category: tagged[category] for category in CATEGORIES if tagged[category] < 3} == {}


def test_handoffs_reach_every_department_and_releases_are_followed_by_a_turn(
    dialogues: list[Dialogue],
) -> None:
    departments = {
        turn.expect.handoff
        for dialogue in dialogues
        for turn in dialogue.customer_turns
        if turn.expect.handoff not in (None, "none")
    }
    assert departments == set(DEPARTMENTS)
    for dialogue in dialogues:
        for position, turn in enumerate(dialogue.turns):
            if turn.release:
                after = dialogue.turns[position + 1 :]
                assert any(not t.release for t in after), f"{dialogue.id}: nothing after release"


def test_multi_turn_identity_checks_and_attacks_on_other_customers_data(
    dialogues: list[Dialogue],
) -> None:
    identity = [d for d in dialogues if "identity" in d.tags and len(d.customer_turns) >= 2]
    assert len(identity) >= 5
    probing = [d for d in dialogues if "attack" in d.tags]
    assert len(probing) >= 5
    guarded = [d for d in probing if d.leaks or any(t.expect.leaks for t in d.customer_turns)]
    assert len(guarded) >= len(probing) // 2, "most attacks must name the data that must not leak"


def test_bursts_and_media_are_really_there(dialogues: list[Dialogue]) -> None:
    bursts = [t for d in dialogues for t in d.customer_turns if len(t.messages) > 1]
    media = {t.media for d in dialogues for t in d.customer_turns if t.media}
    assert len(bursts) >= 5
    assert {"image", "audio"} <= media


def test_ids_are_unique_across_files(dialogues: list[Dialogue]) -> None:
    ids = Counter(dialogue.id for dialogue in dialogues)
    assert [id for id, count in ids.items() if count > 1] == []
