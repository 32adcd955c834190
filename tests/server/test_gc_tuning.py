"""Long-running processes freeze their start-up objects out of full garbage collections."""

from __future__ import annotations

import gc

from server.gc_tuning import freeze_startup_objects


def test_start_up_objects_leave_the_generations_a_full_collection_walks() -> None:
    import agent.graph  # noqa: F401  (the heavy imports a server process holds)

    gc.collect()
    walked_before = len(gc.get_objects(generation=2))
    try:
        freeze_startup_objects()
        assert gc.get_freeze_count() > 100_000 and walked_before > 100_000
        assert len(gc.get_objects(generation=2)) < walked_before / 100
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0
