"""Runs with recorded, replayed and judged model calls, against the scripted model server."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from composition.settings import Settings
from evals.dialogue import DATASET_DIR, Dialogue, load_dialogues
from evals.execution import CassetteMissError, ModelCalls, RunSetupError, execute
from evals.scripted_model import BASE_URL, Reply, ScriptedModel

pytestmark = pytest.mark.asyncio

MODEL = Settings(_env_file=None, openai_base_url=BASE_URL)
"""An agent configured with a model server (the scripted one, reached in-process)."""
OFFLINE = Settings(_env_file=None)
"""No key, no server: only a cassette can answer."""


def sample() -> list[Dialogue]:
    """Every third dialogue of the dataset: every file and most tags, a third of the time."""
    return load_dialogues(DATASET_DIR)[::3]


def timeless(report: dict[str, Any]) -> dict[str, Any]:
    """The report without what a clock decides (durations and when the run started)."""
    stripped = copy.deepcopy(report)
    for key in ("seconds", "started_at", "mode", "cassette"):
        stripped["run"].pop(key, None)
    stripped["summary"].pop("latency_ms")
    for dialogue in stripped["dialogues"]:
        for run in dialogue["runs"]:
            for turn in run["turns"]:
                turn.pop("latency_ms")
                turn["llm"].pop("seconds")
    return stripped


async def test_a_replayed_run_reproduces_the_recorded_one_exactly(tmp_path: Path) -> None:
    dialogues = sample()
    scripted = ScriptedModel()
    cassette = tmp_path / "calls.json"
    recorded = await execute(
        dialogues,
        brain_name="openai",
        calls=ModelCalls(mode="record", cassette=cassette),
        settings=MODEL,
        trials=2,
        transport=scripted.transport(),
    )
    sent = len(scripted.requests)
    assert sent > len(dialogues)
    assert recorded["run"]["cassette"]["exchanges"] == sent
    assert json.loads(cassette.read_text(encoding="utf-8"))["meta"]["brain"] == "openai"

    replayed = await execute(
        dialogues,
        brain_name="openai",
        calls=ModelCalls(mode="replay", cassette=cassette),
        settings=OFFLINE,
        trials=2,
    )
    assert len(scripted.requests) == sent
    assert replayed["run"]["mode"] == "replay"
    assert timeless(replayed) == timeless(recorded)
    assert replayed["summary"]["llm"]["calls"] == sent


async def test_a_changed_dialogue_fails_the_replay_with_the_missing_requests(
    tmp_path: Path,
) -> None:
    dialogue = next(d for d in load_dialogues(DATASET_DIR) if d.id.startswith("tracking-"))
    cassette = tmp_path / "calls.json"
    await execute(
        [dialogue],
        brain_name="openai",
        calls=ModelCalls(mode="record", cassette=cassette),
        settings=MODEL.model_copy(update={"rules_confidence": 1.01}),
        transport=ScriptedModel().transport(),
    )
    first = dialogue.turns[0]
    changed = dialogue.model_copy(
        update={"turns": (first.model_copy(update={"say": "cadê minha encomenda??"}),)}
    )
    with pytest.raises(CassetteMissError, match="not in the cassette") as caught:
        await execute(
            [changed],
            brain_name="openai",
            calls=ModelCalls(mode="replay", cassette=cassette),
            settings=OFFLINE.model_copy(update={"rules_confidence": 1.01}),
        )
    assert caught.value.misses
    assert {miss.model for miss in caught.value.misses} == {"gpt-4o"}


async def test_the_judge_scores_rubric_turns_and_replays_from_the_cassette(
    tmp_path: Path,
) -> None:
    dialogues = [d for d in load_dialogues(DATASET_DIR) if any(t.expect.rubric for t in d.turns)]
    dialogues = dialogues[:3]
    rubrics = sum(1 for d in dialogues for t in d.turns if t.expect.rubric)
    verdicts = [
        Reply(json_output={"reasoning": f"verdict {n}", "score": n % 2 == 0})
        for n in range(rubrics)
    ]
    scripted = ScriptedModel(verdicts)
    cassette = tmp_path / "judge.json"
    recorded = await execute(
        dialogues,
        brain_name="rules",
        calls=ModelCalls(mode="record", cassette=cassette, judge=True, judge_model="gpt-4.1"),
        settings=MODEL,
        concurrency=1,
        transport=scripted.transport(),
    )
    judge = recorded["judge"]
    assert judge["model"] == "gpt-4.1"
    assert judge["rubrics"] == judge["judged"] == rubrics
    assert judge["passed"] == (rubrics + 1) // 2
    assert recorded["summary"]["judge_pass_rate"] == judge["passed"] / rubrics
    assert {request["model"] for request in scripted.requests} == {"gpt-4.1"}
    first = scripted.requests[0]["messages"][0]["content"]
    assert judge["results"][0]["rubric"] in first
    assert "Cliente:" in first

    replayed = await execute(
        dialogues,
        brain_name="rules",
        calls=ModelCalls(mode="replay", cassette=cassette, judge=True, judge_model="gpt-4.1"),
        settings=OFFLINE,
        concurrency=1,
    )
    assert replayed["judge"] == judge


async def test_a_judge_outage_is_an_error_not_a_verdict() -> None:
    dialogues = [d for d in load_dialogues(DATASET_DIR) if any(t.expect.rubric for t in d.turns)]
    report = await execute(
        dialogues[:1],
        brain_name="rules",
        calls=ModelCalls(judge=True),
        settings=MODEL.model_copy(update={"llm_max_retries": 0}),
        transport=ScriptedModel([Reply(content="not json at all")] * 20).transport(),
    )
    judge = report["judge"]
    assert judge["judged"] == 0 and judge["errors"] == judge["rubrics"] > 0
    assert judge["pass_rate"] is None
    assert all(result["error"] for result in judge["results"])


@pytest.mark.parametrize(
    ("calls", "settings", "message"),
    [
        (ModelCalls(mode="record"), MODEL, "needs --llm-cassette"),
        (ModelCalls(cassette=Path("x.json")), MODEL, "needs --llm-mode record"),
        (ModelCalls(mode="replay", cassette=Path("/no/such.json")), OFFLINE, "no such cassette"),
        (ModelCalls(mode="record", cassette=Path("x.json")), OFFLINE, "recording needs a model"),
        (ModelCalls(judge=True), OFFLINE, "--judge needs a model"),
    ],
)
async def test_options_that_cannot_work_are_refused_before_running(
    calls: ModelCalls, settings: Settings, message: str
) -> None:
    with pytest.raises(RunSetupError, match=message):
        await execute([], brain_name="rules", calls=calls, settings=settings)
