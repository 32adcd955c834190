"""Loading the runner's input: the dialogue format's rules and its error messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.dialogue import DATASET_DIR, DialogueFormatError, load_dialogues

HEADER = "format: atendente-dialogues/1\ndialogues:\n"
GOOD = """\
  - id: {id}
    description: A customer says hi.
    store: demo
    customer: {{phone: "+5511987654321"}}
    turns:
      - say: "oi"
        expect: {{intent: greeting}}
"""


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def error_for(tmp_path: Path, body: str) -> str:
    path = write(tmp_path, "d.yaml", body)
    with pytest.raises(DialogueFormatError) as caught:
        load_dialogues(path)
    return str(caught.value).replace(f"{path}: ", "")


def test_the_shipped_dataset_loads() -> None:
    dialogues = load_dialogues(DATASET_DIR)
    assert len({d.id for d in dialogues}) == len(dialogues) > 0


def test_a_directory_loads_every_yaml_file_in_name_order(tmp_path: Path) -> None:
    write(tmp_path, "b.yaml", HEADER + GOOD.format(id="second"))
    write(tmp_path, "a.yaml", HEADER + GOOD.format(id="first"))
    write(tmp_path, "README.md", "not a dialogue file")
    assert [d.id for d in load_dialogues(tmp_path)] == ["first", "second"]


def test_ids_are_unique_across_files(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", HEADER + GOOD.format(id="same"))
    second = write(tmp_path, "b.yaml", HEADER + GOOD.format(id="same"))
    with pytest.raises(DialogueFormatError, match="dialogue 'same': id: duplicate") as caught:
        load_dialogues(tmp_path)
    assert str(caught.value).startswith(str(second))


def test_defaults_and_shorthands(tmp_path: Path) -> None:
    body = HEADER + GOOD.format(id="shorthands").replace(
        "expect: {intent: greeting}",
        "expect:\n          intent: greeting\n          reply: {contains: oi}\n"
        "          tools: {calls: [{name: get_order, args: {order_number: 1001}}]}",
    )
    [dialogue] = load_dialogues(write(tmp_path, "d.yaml", body))
    expect = dialogue.turns[0].expect
    assert expect.intent == ("greeting",)
    assert expect.reply is not None and expect.reply.contains == ("oi",)
    assert expect.tools is not None and expect.tools.match == "superset"
    assert expect.tools.calls[0].args == {"order_number": "1001"}
    assert dialogue.store.base == "demo" and dialogue.store.orders == ()
    assert dialogue.customer.resolved_sender_id == "5511987654321"
    assert dialogue.clock is None


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("id: bad", "id: Bad_Id", "dialogue 'Bad_Id': id: id 'Bad_Id' must be kebab-case"),
        ("store: demo", "store: shop", "dialogue 'bad': store: unknown store 'shop'"),
        (
            '{phone: "+5511987654321"}',
            "{phone: null}",
            "dialogue 'bad': customer: sender_id is required when phone is null",
        ),
        (
            '{phone: "+5511987654321"}',
            '{phone: "11987654321"}',
            "dialogue 'bad': customer.phone: phone '11987654321' is not in E.164 form",
        ),
        (
            "store: demo",
            'store: demo\n    clock: "2026-11-24T14:00:00"',
            "dialogue 'bad': clock: Input should have timezone info",
        ),
        (
            "intent: greeting",
            "intent: greting",
            "dialogue 'bad': turns[0].expect.intent: unknown intent 'greting'",
        ),
        (
            "intent: greeting",
            "handoff: vendas",
            "dialogue 'bad': turns[0].expect.handoff: unknown department 'vendas'",
        ),
        (
            "intent: greeting",
            "tools: {match: fuzzy}",
            "dialogue 'bad': turns[0].expect.tools.match: Input should be 'strict'",
        ),
        (
            "intent: greeting",
            "tools: {calls: [{name: get_ordr}]}",
            "dialogue 'bad': turns[0].expect.tools.calls[0].name: unknown tool 'get_ordr'",
        ),
        (
            "intent: greeting",
            'tools: {calls: [{name: get_order, args: {order_number: {regex: "("}}}]}',
            "dialogue 'bad': turns[0].expect.tools.calls[0].args: invalid regular expression '('",
        ),
        (
            "intent: greeting",
            'reply: {contain: "oi"}',
            "dialogue 'bad': turns[0].expect.reply.contain: Extra inputs are not permitted",
        ),
        (
            'say: "oi"',
            'say: "oi"\n        media: gif',
            "dialogue 'bad': turns[0].media: Input should be 'image'",
        ),
        (
            'say: "oi"',
            "release: true",
            "dialogue 'bad': turns[0]: a release turn has no expectations",
        ),
        (
            'say: "oi"',
            "say: []",
            "dialogue 'bad': turns[0]: a burst ('say' as a list) needs at least one message",
        ),
    ],
)
def test_errors_name_the_dialogue_and_the_field(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    body = HEADER + GOOD.format(id="bad").replace(old, new, 1)
    assert message in error_for(tmp_path, body)


def test_file_level_errors(tmp_path: Path) -> None:
    assert "unsupported format 'atendente-dialogues/9'" in error_for(
        tmp_path, HEADER.replace("/1", "/9") + GOOD.format(id="x")
    )
    assert "not valid YAML" in error_for(tmp_path, "format: [unclosed")
    assert "expected a mapping" in error_for(tmp_path, "- just a list")
    with pytest.raises(DialogueFormatError, match="no such file or directory"):
        load_dialogues(tmp_path / "missing.yaml")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DialogueFormatError, match="no \\*.yaml dialogue files"):
        load_dialogues(empty)


def test_a_dialogue_without_a_customer_turn_is_refused(tmp_path: Path) -> None:
    body = HEADER + GOOD.format(id="only-release").replace(
        '- say: "oi"\n        expect: {intent: greeting}', "- release: true"
    )
    assert "a dialogue needs at least one customer turn" in error_for(tmp_path, body)
