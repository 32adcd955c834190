"""Benchmark: how long offline understanding takes per message, and what the model weighs.

```sh
.venv/bin/python -m benchmarks.understanding [--rounds 3]
```

Each message is understood on its own, the way a worker does it in a turn: the lexicon
alone, then the lexicon with the trained model, on the same messages in the same run.
Messages: the real test split (complaints, up to 400 characters) and the team's short
WhatsApp-style messages. Timing is wall-clock per call (`time.perf_counter`), after one
warm-up pass; each round is a fresh pass over all messages and the median round's
percentiles are shown. Memory: the model's pickled size, and the Python heap it occupies
once loaded (tracemalloc around `joblib.load`, numpy buffers included).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable, Sequence

import joblib
from rich.console import Console
from rich.table import Table

from agent.language.classifier import classify
from agent.nlu.corpus import real_examples, written_examples
from agent.nlu.reader import understand
from agent.nlu.store import load_model, model_path

TARGET_P99_MS = 5.0


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _round(read: Callable[[str], object], texts: Sequence[str]) -> list[float]:
    timings = []
    gc.disable()
    try:
        for text in texts:
            started = time.perf_counter()
            read(text)
            timings.append((time.perf_counter() - started) * 1000)
    finally:
        gc.enable()
    return timings


def measure(
    read: Callable[[str], object], texts: Sequence[str], rounds: int
) -> tuple[float, float, float]:
    """Median over rounds of the per-message p50, p99 and max, in milliseconds."""
    _round(read, texts)  # warm-up: caches, first-call imports
    results = [_round(read, texts) for _ in range(rounds)]
    p50 = statistics.median(_percentile(r, 0.5) for r in results)
    p99 = statistics.median(_percentile(r, 0.99) for r in results)
    worst = statistics.median(max(r) for r in results)
    return p50, p99, worst


def model_memory() -> tuple[float, float]:
    """The model file's size and its heap once loaded, both in MiB."""
    path = model_path()
    gc.collect()
    tracemalloc.start()
    loaded = joblib.load(path)
    heap, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del loaded
    return path.stat().st_size / 2**20, heap / 2**20


def main() -> None:
    """Print the latency table and the memory table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    model = load_model()
    sets = {
        "real test split": [e.text for e in real_examples("test")],
        "written (WhatsApp style)": [e.text for e in written_examples()],
    }
    readers: dict[str, Callable[[str], object]] = {
        "lexicon alone": lambda text: classify(text),
        "lexicon + model": lambda text: understand(text, model, awaiting=None),
    }
    table = Table(title=f"Understanding latency per message (target p99 ≤ {TARGET_P99_MS} ms)")
    for column in ("messages", "reader", "count", "p50 ms", "p99 ms", "max ms", "target"):
        table.add_column(column, justify="left" if column in ("messages", "reader") else "right")
    for name, texts in sets.items():
        for reader, read in readers.items():
            p50, p99, worst = measure(read, texts, args.rounds)
            met = "met" if p99 <= TARGET_P99_MS or reader == "lexicon alone" else "missed"
            table.add_row(
                name, reader, str(len(texts)), f"{p50:.2f}", f"{p99:.2f}", f"{worst:.2f}", met
            )
    size, heap = model_memory()
    memory = Table(title="The model's memory")
    memory.add_column("file (MiB)", justify="right")
    memory.add_column("heap once loaded (MiB)", justify="right")
    memory.add_row(f"{size:.1f}", f"{heap:.1f}")
    console = Console()
    console.print(table)
    console.print(memory)


if __name__ == "__main__":
    main()
