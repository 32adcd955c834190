"""Play the eval dialogues against the real agent graph and collect a report.

Each dialogue × trial runs on its own graph (a fresh in-memory checkpointer) and its own
fixture (store, tickets, carriers, clock), so runs share nothing but the brain and can go
concurrently. A turn that raises is recorded as a failed `error` check and the dialogue
goes on: one broken turn must not hide the scores of the other three hundred.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
from langgraph.checkpoint.memory import InMemorySaver

from agent.brains.base import Brain
from agent.burst import merge
from agent.context import Context
from agent.graph import AgentGraph, build_graph
from agent.release import release_thread
from agent.state import Inbound
from agent.turn import TurnResult, run_turn
from composition.settings import Settings, get_settings
from composition.wiring import build_brain
from evals import metrics
from evals.dialogue import Dialogue, Turn
from evals.fixtures import open_dialogue_context
from evals.scoring import (
    Check,
    error_check,
    handoff_opened,
    leaked,
    reply_text,
    score_turn,
)

REPORT_FORMAT = "atendente-eval-report/1"
BrainName = Literal["rules", "openai"]
LLMMode = Literal["live", "record", "replay"]


def inbound_for(dialogue: Dialogue, turn: Turn, position: int) -> Inbound:
    """The turn's input, built by the worker's own burst merge from WhatsApp-like messages.

    So a burst, or a photo with a caption, reaches the graph exactly as in production
    (a captioned photo arrives as its caption; a bare one as its media kind).
    """
    sender = dialogue.customer.resolved_sender_id
    texts = turn.messages
    raw: list[dict[str, Any]] = []
    for number, text in enumerate(texts):
        kind = turn.media if turn.media and number == len(texts) - 1 else "text"
        message: dict[str, Any] = {
            "type": kind,
            "text": text,
            "sender_id": sender,
            "phone": dialogue.customer.phone,
            "message_id": f"wamid.eval.{dialogue.id}.{position}.{number}",
        }
        if kind != "text":
            message["media_id"] = f"media.eval.{dialogue.id}.{position}"
        raw.append(message)
    return merge(raw)


def _llm_record(llm: Mapping[str, Any]) -> dict[str, Any]:
    """The turn's model usage, without the per-call log (it may quote the customer)."""
    return {
        "calls": int(llm.get("calls", 0)),
        "prompt_tokens": int(llm.get("prompt_tokens", 0)),
        "completion_tokens": int(llm.get("completion_tokens", 0)),
        "cost_usd": float(llm.get("cost_usd", 0.0)),
        "seconds": float(llm.get("seconds", 0.0)),
        "fallbacks": list(llm.get("fallbacks", [])),
        "model": llm.get("model"),
        "prompt_version": llm.get("prompt_version"),
    }


def _turn_record(
    position: int,
    turn: Turn,
    *,
    result: TurnResult | None,
    checks: Sequence[Check],
    opened: dict[str, str] | None,
    leaks: list[str],
    seconds: float,
) -> dict[str, Any]:
    return {
        "index": position,
        "say": turn.text,
        "media": turn.media,
        "reply": reply_text(result.messages) if result else "",
        "messages": len(result.messages) if result else 0,
        "intent": result.intent if result else None,
        "expected_intent": list(turn.expect.intent) if turn.expect.intent else None,
        "tools": list(result.tools) if result else [],
        "handoff": opened,
        "expected_handoff": turn.expect.handoff,
        "rubric": turn.expect.rubric,
        "latency_ms": round(seconds * 1000, 3),
        "llm": _llm_record(result.llm if result else {}),
        "checks": [check.as_json() for check in checks],
        "leaks": leaks,
        "passed": all(check.ok for check in checks),
    }


async def _play(graph: AgentGraph, context: Context, dialogue: Dialogue) -> dict[str, Any]:
    """Every turn of one trial; the handoff is followed across turns to see new ones."""
    sender = dialogue.customer.resolved_sender_id
    handoff: dict[str, str] | None = None
    turns: list[dict[str, Any]] = []
    errors: list[str] = []
    for position, turn in enumerate(dialogue.turns):
        if turn.release:
            try:
                await release_thread(graph, context, sender)
                handoff = None
            except Exception as error:  # a broken release fails the trial, not the run
                errors.append(f"turn {position} (release): {type(error).__name__}: {error}")
            continue
        started = time.perf_counter()
        try:
            result = await run_turn(graph, context, inbound_for(dialogue, turn, position))
        except Exception as error:  # recorded as a failed check; the next turns still run
            seconds = time.perf_counter() - started
            record = _turn_record(
                position,
                turn,
                result=None,
                checks=[error_check(error)],
                opened=None,
                leaks=[],
                seconds=seconds,
            )
            turns.append(record)
            continue
        seconds = time.perf_counter() - started
        checks = score_turn(turn.expect, result, handoff_before=handoff, leaks=dialogue.leaks)
        opened = handoff_opened(handoff, result.handoff)
        handoff = result.handoff
        found = leaked([*dialogue.leaks, *turn.expect.leaks], result.messages)
        turns.append(
            _turn_record(
                position,
                turn,
                result=result,
                checks=checks,
                opened=opened,
                leaks=found,
                seconds=seconds,
            )
        )
    return {
        "passed": not errors and all(turn["passed"] for turn in turns),
        "turns": turns,
        "errors": errors,
    }


async def run_dialogue(
    dialogue: Dialogue, trial: int, *, settings: Settings, brain: Brain
) -> dict[str, Any]:
    """One trial of one dialogue on a fresh thread and its own fixture."""
    try:
        async with open_dialogue_context(dialogue, settings=settings, brain=brain) as context:
            played = await _play(build_graph(InMemorySaver()), context, dialogue)
    except Exception as error:  # the fixture itself failed: a failed trial with the reason
        played = {"passed": False, "turns": [], "errors": [f"{type(error).__name__}: {error}"]}
    return {"trial": trial, **played}


OFFLINE: dict[str, Any] = {
    "nuvemshop_store_id": None,
    "nuvemshop_access_token": None,
    "correios_token": None,
    "correios_user": None,
    "correios_access_code": None,
    "correios_postage_card": None,
    "seventeentrack_api_key": None,
}
"""A dialogue brings its own store orders and clock: the store and carriers are the demo
ones whatever credentials the environment holds, so a run is the same on every machine."""


def eval_settings(settings: Settings, brain_name: BrainName, model: str | None = None) -> Settings:
    """`settings` with the brain (and model) under evaluation, on the offline store."""
    update: dict[str, Any] = {**OFFLINE, "brain": brain_name}
    if model:
        update["openai_model"] = model
    return settings.model_copy(update=update)


def _prompt_version(dialogues: Sequence[Mapping[str, Any]]) -> str | None:
    for turn in metrics.iter_turns(dialogues):
        version = turn["llm"].get("prompt_version")
        if version:
            return str(version)
    return None


def _dialogue_records(
    dialogues: Sequence[Dialogue], runs: Sequence[dict[str, Any]], trials: int
) -> list[dict[str, Any]]:
    """Each dialogue with its trials' runs (`runs` holds them dialogue by dialogue)."""
    records: list[dict[str, Any]] = []
    for index, dialogue in enumerate(dialogues):
        own = list(runs[index * trials : (index + 1) * trials])
        records.append(
            {
                "id": dialogue.id,
                "description": dialogue.description,
                "tags": list(dialogue.tags),
                "category": dialogue.category or "",
                "trials": trials,
                "successes": sum(1 for run in own if run["passed"]),
                "runs": own,
            }
        )
    return records


async def run_suite(
    dialogues: Sequence[Dialogue],
    *,
    brain_name: BrainName,
    model: str | None = None,
    trials: int = 1,
    concurrency: int = 4,
    llm_http_client: httpx.AsyncClient | None = None,
    settings: Settings | None = None,
    dataset: str = "",
    mode: LLMMode = "live",
) -> dict[str, Any]:
    """Run every dialogue `trials` times and return the report (report.json's shape).

    Args:
        dialogues: The dataset.
        brain_name: The brain under evaluation.
        model: The model name for the openai brain (default: the settings' model).
        trials: Runs per dialogue, for pass^k.
        concurrency: Trials running at once.
        llm_http_client: The HTTP client for model requests (a cassette's, in record or
            replay mode).
        settings: Base settings (default: the environment's).
        dataset: Where the dialogues came from, for the report.
        mode: How model calls are made (live, record or replay), for the report.

    Raises:
        ModelNotConfiguredError: The openai brain was chosen with no key, server or client.
    """
    if trials < 1 or concurrency < 1:
        raise ValueError("trials and concurrency must be at least 1")
    chosen = eval_settings(settings or get_settings(), brain_name, model)
    brain = build_brain(chosen, llm_http_client=llm_http_client)
    started_at = datetime.now(UTC)
    started = time.perf_counter()
    gate = asyncio.Semaphore(concurrency)

    async def one(dialogue: Dialogue, trial: int) -> dict[str, Any]:
        async with gate:
            return await run_dialogue(dialogue, trial, settings=chosen, brain=brain)

    runs = await asyncio.gather(*(one(d, t) for d in dialogues for t in range(trials)))
    records = _dialogue_records(dialogues, runs, trials)
    customer_turns = sum(len(dialogue.customer_turns) for dialogue in dialogues)
    intents = metrics.intents(records)
    return {
        "format": REPORT_FORMAT,
        "run": {
            "brain": brain_name,
            "model": (model or chosen.openai_model) if brain_name == "openai" else None,
            "trials": trials,
            "concurrency": concurrency,
            "dataset": dataset,
            "started_at": started_at.isoformat().replace("+00:00", "Z"),
            "seconds": round(time.perf_counter() - started, 3),
            "prompt_version": _prompt_version(records),
            "mode": mode,
        },
        "summary": metrics.summarize(records, customer_turns=customer_turns, trials=trials),
        "intents": {key: intents[key] for key in ("labels", "confusion", "per_intent")},
        "problems": metrics.problem_accuracy(records)["per_problem"],
        "dialogues": records,
        "judge": None,
    }
