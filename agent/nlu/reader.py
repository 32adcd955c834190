"""Understanding a message offline: the lexicon and the trained model, each where it is best.

- The lexicon keeps the entities (order numbers, tracking codes, e-mails, CPFs, validated)
  and the bare answers ("1001" after we asked for the order number), which need the
  conversation's context rather than statistics.
- The trained model names the main intent, with a calibrated probability of being right,
  which is what `ATENDENTE_RULES_CONFIDENCE` compares against. When the model is unsure
  (no intent above one half) and the lexicon has one clear reading that the model finds
  plausible, the lexicon breaks the tie; the confidence stays the model's probability of
  the chosen intent, so such a turn still goes to the language model where one is set.
- The problem is the lexicon's when one of its high-precision cues fires and the model finds
  it plausible, else the model's, with the model's probability, so the reply names it only
  when it is likely right.
- The mood is upset when the lexicon sees shouting, "!!!", insults or threats, or the
  model finds it more likely than not.
- Further requests come from the model's multi-intent reading and the lexicon's clauses
  ("cadê meu pedido e me manda o boleto").
"""

from __future__ import annotations

from sklearn import config_context

from agent.intents import NO_REQUEST
from agent.language.classifier import INJECTED_CONFIDENCE, about_the_quoted_code, classify
from agent.language.discourse import INJECTION
from agent.language.normalize import normalize
from agent.nlu.model import Reading, UnderstandingModel
from agent.understanding import Intent, Understanding
from tools.problems import ProblemType

UPSET_PROBABILITY = 0.5
"""From this probability the customer is read as upset, and the reply apologises."""
UNSURE = 0.5
"""Below this top probability the model is unsure and the lexicon may break the tie."""
PLAUSIBLE = 0.25
"""The least probability the model must give the lexicon's reading for it to be taken."""
CLEAR_READING = 0.9
"""The lexicon's confidence for one uncontested strong cue."""
PLAUSIBLE_PROBLEM = 0.05
"""The least probability the model must give the lexicon's problem for the cue to decide.

Below it the cue fired on words that mean something else in context ("até agora não
recebi o valor" after a cancellation is a refund, not a late delivery). Chosen by 5-fold
cross-validation on the train and dev splits, in the middle of a flat range (0.03 to 0.1).
"""


def _main_intent(reading: Reading, rules: Understanding) -> Intent:
    """The model's intent, or the lexicon's clear reading when the model is unsure.

    An unsure guess at `human_agent` is never taken on the model's word alone: it would
    hand the conversation to a person that nobody asked for.
    """
    if reading.intent == "human_agent" != rules.intent and reading.confidence < UNSURE:
        return rules.intent
    if (
        reading.confidence < UNSURE
        and rules.confidence >= CLEAR_READING
        and reading.probabilities.get(rules.intent, 0.0) >= PLAUSIBLE
    ):
        return rules.intent
    return reading.intent


def _problem(reading: Reading, rules: Understanding) -> tuple[ProblemType | None, float, float]:
    """The problem, the confidence in it and the probability of some complaint.

    The lexicon's cue is taken, as certain, unless the model finds it implausible.
    """
    cue = rules.problem
    if cue is not None and reading.problem_probabilities.get(cue, 0.0) >= PLAUSIBLE_PROBLEM:
        return cue, 1.0, 1.0
    return reading.problem, round(reading.problem_confidence, 4), round(reading.complaint, 4)


def understand(text: str, model: UnderstandingModel, *, awaiting: str | None) -> Understanding:
    """The understanding of one customer message, without any network call."""
    rules = classify(text, awaiting=awaiting)
    if rules.intent == "provide_info" or not text.strip():
        return rules
    with config_context(assume_finite=True, skip_parameter_validation=True):
        reading = model.read(text, rules)
    main = _main_intent(reading, rules)
    intents: list[Intent] = [main]
    intents += [i for i in reading.others if i not in NO_REQUEST]
    if len(rules.intents) > 1:
        intents += [i for i in rules.intents if i not in NO_REQUEST]
    intents = about_the_quoted_code(list(dict.fromkeys(intents)), "tracking_code" in rules.entities)
    problem, problem_confidence, complaint = _problem(reading, rules)
    confidence = reading.probabilities.get(main, 0.0)
    if INJECTION.search(normalize(text)):
        confidence = min(confidence, INJECTED_CONFIDENCE)
    return Understanding(
        intent=intents[0],
        intents=intents,
        entities=rules.entities,
        confidence=round(confidence, 4),
        invalid=rules.invalid,
        problem=problem,
        problem_confidence=problem_confidence,
        complaint=complaint,
        upset=rules.upset or reading.upset >= UPSET_PROBABILITY,
    )
