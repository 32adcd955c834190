"""The trained understanding model: it learns, it is calibrated on dev, it is cached safely."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import joblib
import pytest

from agent.language.classifier import classify
from agent.nlu import store
from agent.nlu.corpus import real_examples
from agent.nlu.model import UnderstandingModel
from agent.nlu.reader import understand
from evals.understanding_eval import score


@pytest.fixture(scope="module")
def model() -> UnderstandingModel:
    return store.load_model()


def test_on_dev_it_beats_the_lexicon_and_is_right_when_sure(model: UnderstandingModel) -> None:
    dev = real_examples("dev")
    combined = score("model", lambda t: understand(t, model, awaiting=None), dev, "dev", 0.85)
    lexicon = score("lexicon", lambda t: classify(t), dev, "dev", 0.85)
    assert combined.intent_accuracy >= 0.84 > lexicon.intent_accuracy
    assert combined.decided_accuracy >= 0.95
    assert combined.decided >= 0.4 * combined.messages
    assert combined.problem_accuracy >= 0.77 > lexicon.problem_accuracy + 0.1


def test_confidence_is_calibrated_on_dev(model: UnderstandingModel) -> None:
    dev = real_examples("dev")
    result = score("model", lambda t: understand(t, model, awaiting=None), dev, "dev", 0.85)
    gap = sum(b.count * abs(b.mean_confidence - b.accuracy) for b in result.calibration)
    assert gap / result.messages <= 0.1, result.calibration


def test_the_lexicon_keeps_bare_answers_and_entities(model: UnderstandingModel) -> None:
    answer = understand("1001", model, awaiting="order_number")
    assert answer.intent == "provide_info" and answer.entities == {"order_number": "1001"}
    code = understand("cadê meu pedido? código AA123456785BR", model, awaiting=None)
    assert code.intent == "tracking" and code.entities["tracking_code"] == "AA123456785BR"


def test_an_unsure_guess_at_a_person_never_hands_off_alone(model: UnderstandingModel) -> None:
    reading = understand("ela deixou eu ver, pode falar", model, awaiting=None)
    assert reading.intent != "human_agent" or reading.confidence >= 0.5


def test_a_problem_is_read_with_its_probability(model: UnderstandingModel) -> None:
    told = understand("comprei 2 unidades e só veio uma, e agora?", model, awaiting=None)
    assert told.problem == "missing_item" and told.problem_confidence == 1.0
    calm = understand("qual o horário de vocês?", model, awaiting=None)
    assert calm.problem is None and calm.complaint < 0.5


def test_a_cue_the_model_finds_implausible_gives_way(model: UnderstandingModel) -> None:
    from agent.nlu.reader import PLAUSIBLE_PROBLEM, _problem

    rules = classify("ainda não recebi minha encomenda")
    assert rules.problem == "late"
    reading = model.read("ainda não recebi minha encomenda", rules)
    doubtful = replace(reading, problem="cancelled_not_refunded", problem_confidence=0.8)
    doubtful.problem_probabilities.update(late=PLAUSIBLE_PROBLEM / 2)
    assert _problem(doubtful, rules)[0] == "cancelled_not_refunded"
    plausible = replace(doubtful, problem_probabilities={"late": PLAUSIBLE_PROBLEM})
    assert _problem(plausible, rules) == ("late", 1.0, 1.0)


def test_a_lexicon_change_retrains_the_cached_model() -> None:
    sources = {path.name for path in store.feature_sources()}
    assert {"model.py", "classifier.py", "problems.py", "normalize.py", "slang.py"} <= sources
    assert "replies.py" not in sources, "reply wording does not change the features"


def test_a_damaged_cache_file_is_retrained_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model: UnderstandingModel
) -> None:
    monkeypatch.setenv(store.MODEL_DIR_ENV, str(tmp_path))
    store.model_path().write_bytes(b"not a model")
    trained: list[Path | None] = []
    monkeypatch.setattr(store, "train", lambda path=None: trained.append(path) or model)
    store.load_model.cache_clear()
    try:
        assert store.load_model() is model
    finally:
        store.load_model.cache_clear()
    assert trained == [store.model_path()]


def test_a_cached_model_is_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model: UnderstandingModel
) -> None:
    monkeypatch.setenv(store.MODEL_DIR_ENV, str(tmp_path))
    joblib.dump(model, store.model_path())
    monkeypatch.setattr(store, "train", lambda path=None: pytest.fail("retrained"))
    store.load_model.cache_clear()
    try:
        assert isinstance(store.load_model(), UnderstandingModel)
    finally:
        store.load_model.cache_clear()


def test_the_fast_path_gives_scikit_learns_own_probabilities(model: UnderstandingModel) -> None:
    import numpy as np

    from agent.nlu.model import calibrated_proba, linear_scores, sample

    matrix = model.features.transform([sample(e.text) for e in real_examples("dev")[:50]])
    for calibrated in (model.intent, model.problem, model.mood):
        expected = calibrated.predict_proba(matrix)
        assert np.allclose(calibrated_proba(calibrated, matrix), expected, atol=1e-9)
    assert np.allclose(linear_scores(model.multi, matrix), model.multi.decision_function(matrix))
