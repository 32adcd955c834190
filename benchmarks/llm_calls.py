"""Model calls per customer turn, and prompt tokens as a conversation grows.

Runs the eval dialogues through the real graph with the `openai` brain talking to the
scripted OpenAI-compatible server (`evals/scripted_model.py`), once with hybrid routing
and once with every turn sent to the model, and prints two tables:

1. LLM calls per customer turn (median, p95, mean, max) in both modes, and the share of
   model classifications hybrid routing saves. Targets with hybrid routing: median <= 1,
   p95 <= 3.
2. Prompt tokens per turn at turns 1, 10 and 50 of one long conversation, in both modes.
   Target: turn 50 at most 1.5x turn 10.

The scripted model answers every request the brain makes, so the counts are the brain's
own decisions (how often it asks the model), not a real model's. Tokens are the server's
estimate (4 characters a token) of the exact prompts the brain sent.

    .venv/bin/python -m benchmarks.llm_calls [--dataset DIR] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from langgraph.checkpoint.memory import InMemorySaver
from rich.console import Console
from rich.table import Table

from agent.graph import build_graph
from agent.state import Inbound
from agent.turn import run_turn
from composition.settings import Settings
from composition.wiring import build_brain, open_context
from evals.dialogue import DATASET_DIR, Dialogue, load_dialogues
from evals.metrics import iter_turns
from evals.runner import run_suite
from evals.scripted_model import BASE_URL, ScriptedModel, wants_structured_output

HYBRID_OFF = 1.01
"""A rules confidence no reading reaches: every turn goes to the model."""
MAX_MEDIAN_CALLS = 1
MAX_P95_CALLS = 3
MAX_GROWTH_10_TO_50 = 1.5
LONG_CONVERSATION = (
    "sobre o 1001, alguma novidade?",
    "e o pagamento dele, ja caiu?",
    "valeu!",
    "me passa o rastreio de novo por favor",
    "qual o horario de voces?",
)
"""Ana's long chat: order questions the rules are unsure of, mixed with easy ones."""
CHECKPOINT_TURNS = (1, 10, 50)


@dataclass(slots=True)
class ModeCalls:
    """LLM calls per customer turn over the whole dataset, in one routing mode."""

    mode: str
    turns: int
    calls: list[int]
    classify_calls: int
    seconds: float

    @property
    def median(self) -> float:
        """The median turn's calls."""
        return statistics.median(self.calls)

    @property
    def p95(self) -> float:
        """Calls of the turn at the 95th percentile (nearest rank)."""
        ordered = sorted(self.calls)
        return float(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))])

    @property
    def mean(self) -> float:
        """Calls per turn on average."""
        return statistics.fmean(self.calls)


def _settings(rules_confidence: float) -> Settings:
    return Settings(
        _env_file=None,
        brain="openai",
        openai_base_url=BASE_URL,
        rules_confidence=rules_confidence,
    )


async def measure_calls(dialogues: Sequence[Dialogue], mode: str, threshold: float) -> ModeCalls:
    """Every customer turn of the dataset in one routing mode, through the eval runner."""
    scripted = ScriptedModel()
    started = time.perf_counter()
    async with scripted.client() as http:
        report = await run_suite(
            dialogues,
            brain_name="openai",
            settings=_settings(threshold),
            llm_http_client=http,
            concurrency=1,
        )
    calls = [int(turn["llm"]["calls"]) for turn in iter_turns(report["dialogues"])]
    classify = sum(1 for request in scripted.requests if wants_structured_output(request))
    return ModeCalls(mode, len(calls), calls, classify, time.perf_counter() - started)


async def measure_growth(threshold: float, turns: int = max(CHECKPOINT_TURNS)) -> dict[int, int]:
    """Prompt tokens of each turn of one long conversation."""
    settings = _settings(threshold)
    scripted = ScriptedModel()
    tokens: dict[int, int] = {}
    async with scripted.client() as http:
        brain = build_brain(settings, llm_http_client=http)
        async with open_context(settings, brain=brain) as context:
            graph = build_graph(InMemorySaver())
            for turn in range(1, turns + 1):
                text = LONG_CONVERSATION[(turn - 1) % len(LONG_CONVERSATION)]
                inbound = Inbound(sender_id="5511987654321", phone="+5511987654321", text=text)
                result = await run_turn(graph, context, inbound)
                tokens[turn] = int(result.llm["prompt_tokens"])
    return tokens


def _calls_table(rows: Sequence[ModeCalls]) -> Table:
    table = Table(title="LLM calls per customer turn (eval dialogues, scripted model)")
    for column in ("routing", "turns", "median", "p95", "mean", "max", "classify calls", "target"):
        table.add_column(column, justify="right" if column != "routing" else "left")
    for row in rows:
        hybrid = row.mode == "hybrid"
        met = row.median <= MAX_MEDIAN_CALLS and row.p95 <= MAX_P95_CALLS
        target = ("✓" if met else "✗") if hybrid else "-"
        table.add_row(
            row.mode,
            str(row.turns),
            f"{row.median:g}",
            f"{row.p95:g}",
            f"{row.mean:.2f}",
            str(max(row.calls)),
            str(row.classify_calls),
            target,
        )
    return table


def _growth_table(growth: dict[str, dict[int, int]]) -> Table:
    table = Table(title="Prompt tokens per turn in one long conversation")
    table.add_column("routing")
    for turn in CHECKPOINT_TURNS:
        table.add_column(f"turn {turn}", justify="right")
    table.add_column("turn 50 / turn 10", justify="right")
    table.add_column("target", justify="right")
    for mode, tokens in growth.items():
        ratio = tokens[50] / tokens[10] if tokens[10] else 0.0
        table.add_row(
            mode,
            *(str(tokens[turn]) for turn in CHECKPOINT_TURNS),
            f"{ratio:.2f}×",
            "✓" if ratio <= MAX_GROWTH_10_TO_50 else "✗",
        )
    return table


async def main(dataset: Path, json_path: Path | None) -> None:
    """Measure both modes, print the tables, optionally write every number as JSON."""
    dialogues = load_dialogues(dataset)
    default_confidence = Settings(_env_file=None).rules_confidence
    rows = [
        await measure_calls(dialogues, "hybrid", default_confidence),
        await measure_calls(dialogues, "model only", HYBRID_OFF),
    ]
    growth = {
        "hybrid": await measure_growth(default_confidence),
        "model only": await measure_growth(HYBRID_OFF),
    }
    console = Console()
    console.print(_calls_table(rows))
    hybrid, model_only = rows
    classify_all = model_only.classify_calls
    saved = 1 - hybrid.classify_calls / classify_all if classify_all else 0
    total_saved = 1 - sum(hybrid.calls) / sum(model_only.calls) if sum(model_only.calls) else 0
    console.print(
        f"Hybrid routing saves {saved:.0%} of model classifications and {total_saved:.0%} of "
        f"all model calls ({sum(hybrid.calls)} against {sum(model_only.calls)}).\n"
    )
    console.print(_growth_table(growth))
    if json_path is not None:
        document = {
            "calls": [{**asdict(row), "median": row.median, "p95": row.p95} for row in rows],
            "prompt_tokens": {mode: tokens for mode, tokens in growth.items()},
        }
        json_path.write_text(json.dumps(document, indent=2), encoding="utf-8")


def cli(argv: Sequence[str] | None = None) -> None:
    """Parse the flags and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--dataset", type=Path, default=DATASET_DIR)
    parser.add_argument("--json", type=Path, default=None, dest="json_path")
    parser.add_argument("--verbose", action="store_true", help="let library logs through")
    args = parser.parse_args(argv)
    if not args.verbose:
        logging.disable(logging.WARNING)
    asyncio.run(main(args.dataset, args.json_path))


if __name__ == "__main__":
    cli()
