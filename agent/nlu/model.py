"""The understanding model: calibrated linear classifiers over words, characters and rules.

scikit-learn does the learning; this module only says what it sees and how it is trained:

- the message folded as the lexicon folds it (accents, slang, typos), with identifiers
  masked, read as word 1-2-grams and character 3-5-grams (which survive misspellings);
- the lexicon's own reading as tokens (its intents, its confidence band, the problem its
  high-precision cues found), so the model learns when the hand-written rules are right;
- a linear SVM for the main intent and one for the problem, each wrapped in
  `CalibratedClassifierCV` (temperature scaling) so that a score is the probability of
  being right, and a multi-label ridge classifier for the other requests a message carries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import RidgeClassifier
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC
from sklearn.utils.extmath import safe_sparse_dot, softmax

from agent.language.classifier import MAX_INTENT_CHARS, classify
from agent.language.entities import scan_entities
from agent.language.normalize import normalize
from agent.language.problems import is_upset, problems_in
from agent.nlu.corpus import Example
from agent.understanding import INTENTS, Intent, Understanding
from tools.problems import PROBLEM_TYPES, ProblemType

NO_PROBLEM = "none"
UPSET = "upset"
WRITTEN_WEIGHT = 8.0
"""How much one of the team's WhatsApp-style messages counts against one real complaint:
they are a tenth as many, and they are the only short, chatty turns the model sees."""

SECONDARY_PROBLEM_WEIGHT = 0.5
"""A message that names two problems ("atrasou e ninguém responde") is learned once more for
each problem besides the main one, at this weight: either answer is right, the main one
more so. Chosen by 5-fold cross-validation on train+dev: +0.9 points of problem accuracy
over learning the main problem alone, flat from 0.3 to 0.7."""

SEPARATOR = "\x1f"
"""Between the folded text and the lexicon's tokens in one sample string."""


def sample(text: str, rules: Understanding | None = None) -> str:
    """The model's view of one message: folded text, then the lexicon's reading as tokens.

    `rules` is the lexicon's reading when the caller already has it (the brain does), so
    the message is not classified twice.
    """
    head = text[:MAX_INTENT_CHARS]
    reading = rules or classify(head)
    tokens = [f"intent_{intent}" for intent in reading.intents]
    tokens.append(f"band_{int(reading.confidence * 10)}")
    if reading.problem:
        tokens.append(f"problem_{reading.problem}")
    if reading.upset:
        tokens.append("upset")
    return f"{normalize(scan_entities(head).masked)}{SEPARATOR}{' '.join(tokens)}"


class Analyzer:
    """Word 1-2-grams and character 3-5-grams of the text, plus the lexicon's tokens.

    One vectorizer with one analyzer instead of a union of three keeps a single message's
    transform to one call, which is most of the model's latency.
    """

    def __init__(self) -> None:
        """Build scikit-learn's own word and character analyzers."""
        self.words = TfidfVectorizer(ngram_range=(1, 2)).build_analyzer()
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)).build_analyzer()

    def __call__(self, document: str) -> list[str]:
        """The features of one sample string."""
        text, _, rules = document.partition(SEPARATOR)
        return [*self.words(text), *("#" + gram for gram in self.chars(text)), *rules.split()]


def _features() -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer=Analyzer(), min_df=2, sublinear_tf=True, max_features=80000, lowercase=False
    )


def _calibrated(c: float, balanced: bool) -> CalibratedClassifierCV:
    """A linear SVM whose scores become probabilities by temperature scaling on held-out folds.

    `balanced` weighs classes by their rarity: a missing item is rarer than a late delivery
    but matters as much.
    """
    linear = LinearSVC(C=c, class_weight="balanced" if balanced else None)
    return CalibratedClassifierCV(linear, cv=5, method="temperature", ensemble=False)


def calibrated_proba(calibrated: CalibratedClassifierCV, matrix: Any) -> Any:
    """`calibrated.predict_proba(matrix)`, from the same fitted parts, without input checks.

    With one linear SVM and temperature scaling (`ensemble=False`), the probabilities are
    the softmax of the temperature times the SVM's decision values. scikit-learn validates
    its input on every call, about a millisecond per estimator for a single message, which
    was most of a message's latency; `tests/agent/nlu` checks that both paths agree.
    """
    (fitted,) = calibrated.calibrated_classifiers_
    (temperature,) = fitted.calibrators
    scores = linear_scores(fitted.estimator, matrix)
    if scores.ndim == 1 or scores.shape[1] == 1:  # two classes: one score, read as (-s, s)
        scores = scores.reshape(-1, 1)
        scores = np.hstack([-scores, scores])
    return softmax(temperature.beta_ * scores)


def linear_scores(linear: Any, matrix: Any) -> Any:
    """A fitted linear model's decision values, its weights kept transposed and contiguous.

    `coef_.T` is a strided view that the sparse product copies on every call.
    """
    weights = getattr(linear, "weights_by_feature_", None)
    if weights is None:
        weights = np.ascontiguousarray(linear.coef_.T)
        linear.weights_by_feature_ = weights
    return safe_sparse_dot(matrix, weights) + linear.intercept_


@dataclass(frozen=True, slots=True)
class Reading:
    """What the model read in one message, with calibrated probabilities."""

    intent: Intent
    confidence: float
    """The probability that `intent` is the right main intent."""
    probabilities: dict[Intent, float]
    """The calibrated probability of every intent being the main one."""
    others: tuple[Intent, ...]
    """Further requests in the same message."""
    problem: ProblemType | None
    problem_confidence: float
    problem_probabilities: dict[ProblemType, float]
    """The calibrated probability of every problem type being the main one."""
    complaint: float
    """The probability that the message reports some problem, whichever it is."""
    upset: float
    """The probability that the customer is upset."""


def _problem_label(example: Example) -> str:
    """The problem to learn; the written messages carry none, so the lexicon's stands in."""
    if example.source == "written":
        found = problems_in(example.text)
        return found[0] if found else NO_PROBLEM
    return example.problem or NO_PROBLEM


def _mood_label(example: Example) -> str:
    """Upset or calm; the written messages carry no mood label, so the lexicon's stands in."""
    upset = is_upset(example.text) if example.source == "written" else example.upset
    return UPSET if upset else "calm"


class UnderstandingModel:
    """Features, the intent and problem classifiers, and the multi-intent classifier."""

    def __init__(self, c: float = 1.0) -> None:
        """An untrained model; `c` is the inverse regularisation of every classifier."""
        self.c = c
        self.features = _features()
        self.intent = _calibrated(c, balanced=True)
        self.problem = _calibrated(c, balanced=True)
        self.mood = _calibrated(c, balanced=False)
        """Whether the customer is upset; the written messages carry the lexicon's reading."""
        self.labels = MultiLabelBinarizer(classes=list(INTENTS))
        self.multi = RidgeClassifier(alpha=1.0)
        """Every request a message carries; one matrix product for all intents at once."""

    def fit(self, examples: Sequence[Example]) -> UnderstandingModel:
        """Learn from labelled examples."""
        matrix = self.features.fit_transform([sample(e.text) for e in examples])
        weights = np.array([WRITTEN_WEIGHT if e.source == "written" else 1.0 for e in examples])
        self.intent.fit(matrix, [e.intent for e in examples], sample_weight=weights)
        self._fit_problem(matrix, examples)
        self.mood.fit(matrix, [_mood_label(e) for e in examples])
        self.multi.fit(matrix, self.labels.fit_transform([list(e.intents) for e in examples]))
        return self

    def _fit_problem(self, matrix: Any, examples: Sequence[Example]) -> None:
        """Learn every problem a message names: the main one, then the others at less weight."""
        rows = list(range(len(examples)))
        labels = [_problem_label(e) for e in examples]
        weights = [1.0] * len(examples)
        for row, example in enumerate(examples):
            for other in example.problems:
                if other != example.problem and example.source != "written":
                    rows.append(row)
                    labels.append(other)
                    weights.append(SECONDARY_PROBLEM_WEIGHT)
        self.problem.fit(matrix[rows], labels, sample_weight=np.array(weights))

    def read(self, text: str, rules: Understanding | None = None) -> Reading:
        """Classify one message, given the lexicon's reading of it when the caller has one."""
        return self._read([sample(text, rules)])[0]

    def read_many(self, texts: Sequence[str]) -> list[Reading]:
        """Classify several messages at once (faster for reports)."""
        return self._read([sample(text) for text in texts])

    def _read(self, samples: list[str]) -> list[Reading]:
        matrix = self.features.transform(samples)
        intents = calibrated_proba(self.intent, matrix)
        problems = calibrated_proba(self.problem, matrix)
        moods = calibrated_proba(self.mood, matrix)[:, list(self.mood.classes_).index(UPSET)]
        multi = linear_scores(self.multi, matrix)
        return [
            self._reading(intents[row], problems[row], multi[row], float(moods[row]))
            for row in range(len(samples))
        ]

    def _reading(self, intent_p: Any, problem_p: Any, multi_p: Any, upset: float) -> Reading:
        best = int(np.argmax(intent_p))
        intent = _as_intent(self.intent.classes_[best])
        others = tuple(
            _as_intent(label)
            for label, score in zip(self.labels.classes_, multi_p, strict=True)
            if score > 0 and label != intent
        )
        top = int(np.argmax(problem_p))
        label = str(self.problem.classes_[top])
        problem = next((p for p in PROBLEM_TYPES if p == label), None)
        probabilities = {
            _as_intent(label): float(p)
            for label, p in zip(self.intent.classes_, intent_p, strict=True)
        }
        problem_probabilities = {
            kind: float(p)
            for label, p in zip(self.problem.classes_, problem_p, strict=True)
            for kind in PROBLEM_TYPES
            if kind == label
        }
        return Reading(
            intent=intent,
            confidence=float(intent_p[best]),
            probabilities=probabilities,
            others=others,
            problem=problem,
            problem_confidence=float(problem_p[top]),
            problem_probabilities=problem_probabilities,
            upset=upset,
            complaint=1.0 - float(problem_p[list(self.problem.classes_).index(NO_PROBLEM)]),
        )


def _as_intent(label: object) -> Intent:
    intent = next((i for i in INTENTS if i == label), None)
    if intent is None:  # pragma: no cover - the classes come from labelled intents
        raise ValueError(f"not an intent: {label!r}")
    return intent
