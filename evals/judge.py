"""The optional LLM judge: scores the turns that carry a rubric, with openevals.

Assertions check what can be checked mechanically (a tracking code is in the reply, no
other customer's e-mail is); a rubric says what a person would check ("acknowledges the
complaint and does not promise a refund date"). The judge reads the conversation up to
the turn, the reply and the rubric, and answers pass or fail with its reasoning, through
openevals' LLM-as-judge on our own chat model, so it goes through the same client (and
cassette) as the agent's calls and replays offline like them.

A judge call that fails is recorded as an error on that turn, not as a fail: an outage of
the judge says nothing about the agent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from openevals.llm import create_async_llm_as_judge

from evals.metrics import Record

JUDGE_PROMPT = """You grade one reply of Atendente, the WhatsApp customer-service agent of a \
Brazilian online store. The customer and the agent write in Brazilian Portuguese.

<conversation>
{inputs}
</conversation>

<reply>
{outputs}
</reply>

<rubric>
{rubric}
</rubric>

Judge only what the rubric asks, from the reply and the conversation before it. A reply
passes when it satisfies every point of the rubric; it fails when it misses one, says
something false about the conversation, or is impolite. Answer true for a pass."""
FEEDBACK_KEY = "rubric"


def transcript(turns: Sequence[Record], upto: int) -> str:
    """The conversation before turn `upto` of a trial, then the customer's message."""
    lines: list[str] = []
    for turn in turns[:upto]:
        lines.append(f"Cliente: {turn['say']}")
        lines.append(f"Atendente: {turn['reply'] or '(sem resposta)'}")
    lines.append(f"Cliente: {turns[upto]['say']}")
    return "\n".join(lines)


def _rubric_turns(dialogues: Sequence[Record]) -> list[tuple[Record, Record, int]]:
    """(dialogue, run, turn position) for every judged turn of every trial."""
    found: list[tuple[Record, Record, int]] = []
    for dialogue in dialogues:
        for run in dialogue["runs"]:
            for position, turn in enumerate(run["turns"]):
                if turn.get("rubric"):
                    found.append((dialogue, run, position))
    return found


async def judge_report(
    report: Mapping[str, Any], judge: BaseChatModel, *, model: str, concurrency: int = 4
) -> dict[str, Any]:
    """Score every rubric turn of `report`; the block stored as report.json's `judge`.

    Args:
        report: A report from `run_suite`.
        judge: The chat model that judges (its client decides live, record or replay).
        model: The judge model's name, for the report.
        concurrency: Judge calls in flight at once.
    """
    evaluator = create_async_llm_as_judge(
        prompt=JUDGE_PROMPT, judge=judge, feedback_key=FEEDBACK_KEY
    )
    gate = asyncio.Semaphore(concurrency)

    async def grade(dialogue: Record, run: Record, position: int) -> dict[str, Any]:
        turn = run["turns"][position]
        result: dict[str, Any] = {
            "dialogue": dialogue["id"],
            "trial": run["trial"],
            "turn": turn["index"],
            "rubric": turn["rubric"],
            "ok": None,
            "comment": "",
            "error": None,
        }
        async with gate:
            try:
                verdict = await evaluator(
                    inputs=transcript(run["turns"], position),
                    outputs=turn["reply"] or "(sem resposta)",
                    rubric=turn["rubric"],
                )
            except Exception as error:  # a judge outage is recorded, never a verdict
                result["error"] = f"{type(error).__name__}: {error}"
                return result
        if isinstance(verdict, list):
            verdict = verdict[0]
        result["ok"] = bool(verdict["score"])
        result["comment"] = str(verdict.get("comment") or "")
        return result

    results = await asyncio.gather(
        *(grade(d, r, p) for d, r, p in _rubric_turns(report["dialogues"]))
    )
    judged = [result for result in results if result["ok"] is not None]
    passed = sum(1 for result in judged if result["ok"])
    return {
        "model": model,
        "rubrics": len(results),
        "judged": len(judged),
        "passed": passed,
        "errors": len(results) - len(judged),
        "pass_rate": passed / len(judged) if judged else None,
        "results": list(results),
    }
