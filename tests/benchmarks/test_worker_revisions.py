"""The revision comparison's bookkeeping and its refusal of empty runs."""

from __future__ import annotations

import pytest

from benchmarks.worker_revisions import TREE, Rounds, main


def test_wins_count_the_rounds_this_tree_drained_faster() -> None:
    rounds = Rounds("abc1234")
    for ours, theirs in [(110.0, 100.0), (95.0, 101.0), (120.0, 119.9)]:
        rounds.add(TREE, ours)
        rounds.add("abc1234", theirs)

    assert rounds.wins() == 2


@pytest.mark.parametrize("flag", ["--rounds", "--messages", "--workers"])
def test_a_run_with_nothing_to_measure_is_refused(
    flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["HEAD", flag, "0"])

    assert exit_.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err
