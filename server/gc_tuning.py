"""Keep the objects built at start-up out of the garbage collector's full passes.

LangChain, LangGraph and pydantic leave a few hundred thousand long-lived objects behind
at import; a full collection walks all of them, which measured about 150 ms here, and the
event loop stands still meanwhile: every webhook and turn in flight waits it out. Frozen
once the process is up, they are never scanned again. Only long-running processes do
this (`atendente serve` and `atendente worker`): in a test run, freezing each app would
keep its cyclic garbage forever.
"""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Collect once, then move every surviving object to the permanent generation."""
    gc.collect()
    gc.freeze()
