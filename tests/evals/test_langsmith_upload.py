"""Uploading a run to LangSmith's upload-experiment endpoint, against a mock of its API."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

import httpx
import pytest

from composition.settings import Settings
from evals.dialogue import DATASET_DIR, load_dialogues
from evals.langsmith_upload import (
    DATASET_NAME,
    UPLOAD_PATH,
    LangSmithUploadError,
    experiment_body,
    upload_experiment,
)
from evals.runner import run_suite

pytestmark = pytest.mark.asyncio

ENDPOINT = "https://langsmith.example.test"


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    dialogues = load_dialogues(DATASET_DIR)[:4]
    return asyncio.run(
        run_suite(dialogues, brain_name="rules", trials=2, settings=Settings(_env_file=None))
    )


def langsmith(received: list[httpx.Request], status: int = 200) -> httpx.MockTransport:
    """LangSmith's answer to an upload, as its documentation shows it."""

    def answer(request: httpx.Request) -> httpx.Response:
        received.append(request)
        if status != 200:
            return httpx.Response(status, json={"detail": "Invalid token"})
        body = json.loads(request.content)
        return httpx.Response(
            200,
            json={
                "dataset": {
                    "name": body["dataset_name"],
                    "externally_managed": True,
                    "id": "0f9c2f4e-1111-4c4c-8a8a-000000000001",
                },
                "experiment": {
                    "name": body["experiment_name"],
                    "reference_dataset_id": "0f9c2f4e-1111-4c4c-8a8a-000000000001",
                    "id": "0f9c2f4e-2222-4c4c-8a8a-000000000002",
                },
            },
        )

    return httpx.MockTransport(answer)


async def test_each_trial_is_a_row_with_scores_inside_the_experiment_window(
    report: dict[str, Any],
) -> None:
    body = experiment_body(report)
    assert body["dataset_name"] == DATASET_NAME
    assert len(body["results"]) == 4 * 2
    assert len({row["row_id"] for row in body["results"]}) == 8
    start = datetime.fromisoformat(body["experiment_start_time"])
    end = datetime.fromisoformat(body["experiment_end_time"])
    for row, (dialogue, trial) in zip(
        body["results"],
        [(d, r) for d in report["dialogues"] for r in d["runs"]],
        strict=True,
    ):
        assert row["run_name"] == dialogue["id"]
        assert row["inputs"]["customer_turns"] == [t["say"] for t in trial["turns"]]
        assert [t["reply"] for t in row["actual_outputs"]["turns"]] == [
            t["reply"] for t in trial["turns"]
        ]
        scores = {score["key"]: score["score"] for score in row["evaluation_scores"]}
        assert scores["passed"] == (1 if trial["passed"] else 0)
        assert scores["leaks"] == 0
        assert start <= datetime.fromisoformat(row["start_time"]) <= end
        assert start <= datetime.fromisoformat(row["end_time"]) <= end
    summary = {score["key"]: score["score"] for score in body["summary_experiment_scores"]}
    assert summary["pass^2"] == report["summary"]["pass_hat_k"]["2"]
    assert summary["intent_accuracy"] == report["summary"]["intent_accuracy"]
    assert body["experiment_metadata"]["brain"] == "rules"


async def test_failed_checks_and_judge_verdicts_travel_as_comments(
    report: dict[str, Any],
) -> None:
    dialogue = report["dialogues"][0]
    failing = json.loads(json.dumps(report))
    turn = failing["dialogues"][0]["runs"][0]["turns"][0]
    turn["checks"].append({"kind": "reply", "ok": False, "detail": "missing 'rastreio'"})
    failing["dialogues"][0]["runs"][0]["passed"] = False
    failing["judge"] = {
        "results": [
            {"dialogue": dialogue["id"], "trial": 0, "turn": 0, "ok": False, "comment": "rude"}
        ]
    }
    row = experiment_body(failing)["results"][0]
    scores = {score["key"]: score for score in row["evaluation_scores"]}
    assert scores["passed"]["score"] == 0
    assert "turn 0: reply: missing 'rastreio'" in scores["passed"]["comment"]
    assert scores["judge_pass_rate"]["score"] == 0
    assert "fail: rude" in scores["judge_pass_rate"]["comment"]


async def test_uploads_with_the_key_and_returns_the_experiment(report: dict[str, Any]) -> None:
    received: list[httpx.Request] = []
    answer = await upload_experiment(
        report,
        api_key="lsv2-test",
        endpoint=ENDPOINT,
        transport=langsmith(received),
        name="prompt v2",
    )
    assert answer["experiment"]["name"] == "prompt v2"
    (request,) = received
    assert request.url == httpx.URL(ENDPOINT + UPLOAD_PATH)
    assert request.headers["x-api-key"] == "lsv2-test"


async def test_a_refusal_is_an_error_with_the_reason(report: dict[str, Any]) -> None:
    with pytest.raises(LangSmithUploadError, match="refused the upload \\(401\\).*Invalid token"):
        await upload_experiment(
            report, api_key="wrong", endpoint=ENDPOINT, transport=langsmith([], status=401)
        )

    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(LangSmithUploadError, match="unreachable"):
        await upload_experiment(
            report, api_key="k", endpoint=ENDPOINT, transport=httpx.MockTransport(unreachable)
        )
