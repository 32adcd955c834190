"""Upload an eval run to LangSmith as an experiment on an externally managed dataset.

LangSmith's `evaluate()` wants to run the target itself; our runner already ran it, on
its own fixtures and clocks. The `/api/v1/datasets/upload-experiment` endpoint takes
finished results instead: one row per dialogue trial (the customer turns as inputs, the
expectations as expected outputs, what the agent did as actual outputs, our scores as
feedback), grouped under one dataset so runs of different prompts or models line up in
LangSmith's comparison view.

Only the report's own records are sent: the dialogues are test data with made-up
customers, and a recorded dialogue was masked when it was recorded.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from evals.metrics import Record, pass_rate

UPLOAD_PATH = "/api/v1/datasets/upload-experiment"
DATASET_NAME = "atendente-dialogues"
_ROW_NAMESPACE = uuid.UUID("0b9a3c52-6f0e-4f55-9a57-1d1c5ee0f4a1")


class LangSmithUploadError(RuntimeError):
    """LangSmith refused or could not be reached; the message says which and why."""


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _expected(turns: Sequence[Record]) -> dict[str, Any]:
    return {
        "turns": [
            {
                "intent": turn.get("expected_intent"),
                "handoff": turn.get("expected_handoff"),
                "rubric": turn.get("rubric"),
            }
            for turn in turns
        ]
    }


def _actual(turns: Sequence[Record]) -> dict[str, Any]:
    return {
        "turns": [
            {
                "reply": turn["reply"],
                "intent": turn.get("intent"),
                "tools": turn.get("tools", []),
                "handoff": turn.get("handoff"),
            }
            for turn in turns
        ]
    }


def _scores(run: Record, judged: Sequence[Record]) -> list[dict[str, Any]]:
    checks = [check for turn in run["turns"] for check in turn["checks"]]
    scores: list[dict[str, Any]] = [
        {"key": "passed", "score": 1 if run["passed"] else 0},
        {"key": "assertion_pass_rate", "score": pass_rate(checks)},
        {"key": "leaks", "score": sum(len(turn.get("leaks") or []) for turn in run["turns"])},
    ]
    failed = [
        f"turn {turn['index']}: {check['kind']}: {check.get('detail', '')}"
        for turn in run["turns"]
        for check in turn["checks"]
        if not check["ok"]
    ]
    if failed:
        scores[0]["comment"] = "\n".join(failed)
    verdicts = [result for result in judged if result["ok"] is not None]
    if verdicts:
        scores.append(
            {
                "key": "judge_pass_rate",
                "score": sum(1 for result in verdicts if result["ok"]) / len(verdicts),
                "comment": "\n".join(
                    f"turn {result['turn']}: {'pass' if result['ok'] else 'fail'}: "
                    f"{result['comment']}"
                    for result in verdicts
                ),
            }
        )
    return scores


def experiment_body(report: Mapping[str, Any], *, name: str | None = None) -> dict[str, Any]:
    """The upload-experiment request body for a report from `run_suite`."""
    run = report["run"]
    started = datetime.fromisoformat(run["started_at"].replace("Z", "+00:00"))
    ended = started + timedelta(seconds=float(run["seconds"]))
    judge = report.get("judge") or {}
    judge_results = judge.get("results") or []
    summary = report["summary"]
    label = run.get("model") or run["brain"]
    rows: list[dict[str, Any]] = []
    for dialogue in report["dialogues"]:
        for trial in dialogue["runs"]:
            judged = [
                result
                for result in judge_results
                if result["dialogue"] == dialogue["id"] and result["trial"] == trial["trial"]
            ]
            seconds = sum(float(turn["latency_ms"]) for turn in trial["turns"]) / 1000
            rows.append(
                {
                    "row_id": str(
                        uuid.uuid5(
                            _ROW_NAMESPACE, f"{run['started_at']}/{dialogue['id']}/{trial['trial']}"
                        )
                    ),
                    "inputs": {
                        "dialogue": dialogue["id"],
                        "tags": dialogue["tags"],
                        "customer_turns": [turn["say"] for turn in trial["turns"]],
                    },
                    "expected_outputs": _expected(trial["turns"]),
                    "actual_outputs": _actual(trial["turns"]),
                    "evaluation_scores": _scores(trial, judged),
                    "start_time": _iso(started),
                    "end_time": _iso(min(ended, started + timedelta(seconds=seconds))),
                    "run_name": dialogue["id"],
                    "error": "; ".join(trial["errors"]) or None,
                }
            )
    scores = [
        {"key": f"pass^{k}", "score": value} for k, value in summary["pass_hat_k"].items()
    ] + [
        {"key": key, "score": summary[key]}
        for key in ("assertion_pass_rate", "intent_accuracy", "tool_match_rate", "leaks")
    ]
    return {
        "experiment_name": name or f"{label} {run['started_at']}",
        "experiment_description": f"atendente eval run --brain {run['brain']} ({run['mode']})",
        "experiment_start_time": _iso(started),
        "experiment_end_time": _iso(ended),
        "dataset_name": DATASET_NAME,
        "dataset_description": "Atendente's eval dialogues (evals/dialogues)",
        "experiment_metadata": {
            key: run.get(key) for key in ("brain", "model", "trials", "prompt_version", "mode")
        },
        "summary_experiment_scores": scores,
        "results": rows,
    }


async def upload_experiment(
    report: Mapping[str, Any],
    *,
    api_key: str,
    endpoint: str,
    transport: httpx.AsyncBaseTransport | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """Upload `report`; LangSmith's answer (the `dataset` and the `experiment` created).

    Raises:
        LangSmithUploadError: The request failed or LangSmith refused it.
    """
    body = experiment_body(report, name=name)
    async with httpx.AsyncClient(
        base_url=endpoint, transport=transport, timeout=httpx.Timeout(60.0)
    ) as client:
        try:
            response = await client.post(UPLOAD_PATH, json=body, headers={"x-api-key": api_key})
        except httpx.HTTPError as error:
            raise LangSmithUploadError(f"LangSmith unreachable: {error!r}") from None
    if response.status_code >= 400:
        raise LangSmithUploadError(
            f"LangSmith refused the upload ({response.status_code}): {response.text[:300]}"
        )
    answer: dict[str, Any] = response.json()
    return answer
