"""Offline understanding of one customer turn: lexicon cues per clause, then entities.

The message is scanned for identifiers first (their digits are masked), cut into clauses at
punctuation and conjunctions, and each clause names at most one intent. Strong cues beat
weak ones, the more specific intent wins inside a clause, and clauses keep their order, so
"cadê meu pedido e me manda o boleto" yields order_status then payment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.language.discourse import (
    CONJUNCTION,
    FILLER,
    INJECTION,
    LABELS,
    NARRATION,
    NEGATION,
    PROBLEM,
    THANKS_EMOJIS,
)
from agent.language.entities import EntityScan, scan_entities
from agent.language.lexicon import LEXICON, PRIORITY, STRONG, WEAK
from agent.language.normalize import find_emojis, split_clauses
from agent.language.problems import is_upset, problems_in
from agent.understanding import ENTITY_KINDS, EntityKind, Intent, Understanding

INJECTED_CONFIDENCE = 0.5
"""A message that tries to steer the bot is never trusted enough to skip the model."""
MAX_INTENT_CHARS = 1000
"""Only the start of a message is read for intent; requests come first in real messages."""

_CUES: tuple[tuple[Intent, re.Pattern[str], float], ...] = tuple(
    (intent, re.compile(cue.pattern), cue.weight)
    for intent, cues in LEXICON.items()
    for cue in cues
)
_RANK: dict[Intent, int] = {intent: rank for rank, intent in enumerate(PRIORITY)}
_SOCIAL: frozenset[Intent] = frozenset({"greeting", "thanks"})
_AWAITED_KINDS: dict[str, frozenset[EntityKind]] = {
    "order_number": frozenset({"order_number", "tracking_code"}),
    "identity": frozenset({"email", "cpf", "phone"}),
}


@dataclass(frozen=True, slots=True)
class _Hit:
    intent: Intent
    start: int
    end: int
    weight: float


@dataclass(frozen=True, slots=True)
class _Reading:
    """The intent one clause names, where it sits in the message, and how sure it is."""

    intent: Intent
    position: int
    weight: float
    contested: bool


def _hits(clause: str) -> list[_Hit]:
    found: list[_Hit] = []
    for intent, pattern, weight in _CUES:
        for match in pattern.finditer(clause):
            if match.end() > match.start() and not NEGATION.search(clause[: match.start()]):
                found.append(_Hit(intent, match.start(), match.end(), weight))
    return found


def _drop_covered(hits: list[_Hit]) -> list[_Hit]:
    """Drop cues inside a longer cue of another intent ("politica de troca" is not a troca)."""
    return [
        hit
        for hit in hits
        if not any(
            other.intent != hit.intent
            and other.start <= hit.start
            and hit.end <= other.end
            and other.end - other.start > hit.end - hit.start
            for other in hits
        )
    ]


def _read_clause(clause: str, position: int) -> _Reading | None:
    hits = _drop_covered(_hits(clause))
    if not hits:
        return None
    narrated = NARRATION.search(clause) is not None and PROBLEM.search(clause) is None
    best: dict[Intent, float] = {}
    for hit in hits:
        weight = min(hit.weight, WEAK) if narrated else hit.weight
        best[hit.intent] = max(best.get(hit.intent, 0.0), weight)
    top = max(best.values())
    leaders = sorted((i for i, w in best.items() if w == top), key=_RANK.__getitem__)
    return _Reading(leaders[0], position, top, contested=len(leaders) > 1)


def _readings(clauses: list[str]) -> list[_Reading]:
    readings: list[_Reading] = []
    position = 0
    for clause in clauses:
        for part in CONJUNCTION.split(clause):
            reading = _read_clause(part, position)
            if reading is not None:
                readings.append(reading)
            position += 1
    return readings


def _choose(readings: list[_Reading]) -> tuple[list[Intent], float]:
    """Order the requests found and grade the confidence of the main one."""
    # A greeting in front of anything else is small talk; thanks only yield to a clear request
    # ("meu pedido chegou, obrigado!" is thanks, "obrigado, e o rastreio?" is tracking).
    if any(r.intent not in _SOCIAL for r in readings):
        readings = [r for r in readings if r.intent != "greeting"]
    if any(r.intent not in _SOCIAL and r.weight >= STRONG for r in readings):
        readings = [r for r in readings if r.intent not in _SOCIAL]
    strong = [r for r in readings if r.weight >= STRONG]
    if strong:
        chosen = strong
    else:
        best = max(r.weight for r in readings)
        chosen = [min((r for r in readings if r.weight == best), key=lambda r: r.position)]
    intents: list[Intent] = []
    for reading in sorted(chosen, key=lambda r: r.position):
        if reading.intent not in intents:
            intents.append(reading.intent)
    if not strong:
        confidence = 0.6
    elif len(intents) > 1 or any(r.contested for r in chosen):
        confidence = 0.85
    else:
        confidence = 0.9
    return intents, confidence


def about_the_quoted_code(intents: list[Intent], has_code: bool) -> list[Intent]:
    """Quoting a tracking code makes "where is my order" a question about that shipment."""
    if not has_code or "order_status" not in intents:
        return intents
    swapped: list[Intent] = ["tracking" if i == "order_status" else i for i in intents]
    return list(dict.fromkeys(swapped))


def _is_bare_answer(clauses: list[str], scan: EntityScan) -> bool:
    """Tell whether the message is only identifiers plus filler like "meu cpf é"."""
    kinds = [kind for kind in ENTITY_KINDS if kind in scan.entities or kind in scan.invalid]
    if not kinds:
        return False
    allowed = FILLER.union(*(LABELS[kind] for kind in kinds))
    return all(word in allowed for clause in clauses for word in clause.split())


def _answer(scan: EntityScan, awaiting: str | None, confidence: float) -> Understanding:
    awaited = _AWAITED_KINDS.get(awaiting or "", frozenset())
    if not scan.entities:
        confidence -= 0.15
    elif awaited.intersection(scan.entities.keys()):
        confidence = max(confidence, 0.95)
    return Understanding(
        intent="provide_info",
        intents=["provide_info"],
        entities=scan.entities,
        confidence=round(confidence, 2),
        invalid=scan.invalid,
    )


def classify(text: str, *, awaiting: str | None = None) -> Understanding:
    """Classify one customer message without any model call.

    Args:
        text: the customer's message, as received.
        awaiting: what the bot asked for in its last message ("order_number" or
            "identity"), so that a bare answer reads as `provide_info`.

    Returns:
        The intent(s), validated entities, invalid entity kinds and a confidence.
    """
    scan = scan_entities(text)
    head = scan.masked[:MAX_INTENT_CHARS]
    clauses = split_clauses(head)
    has_entities = bool(scan.entities) or bool(scan.invalid)

    if has_entities and _is_bare_answer(clauses, scan):
        return _answer(scan, awaiting, 0.9 if awaiting else 0.85)

    readings = _readings(clauses)
    strong_request = any(r.weight >= STRONG and r.intent not in _SOCIAL for r in readings)
    if has_entities and awaiting in _AWAITED_KINDS and not strong_request:
        return _answer(scan, awaiting, 0.9)

    if readings:
        intents, confidence = _choose(readings)
    elif "tracking_code" in scan.entities:
        intents, confidence = ["tracking"], 0.75
    elif has_entities:
        return _answer(scan, awaiting, 0.6)
    elif set(find_emojis(text[:MAX_INTENT_CHARS])) & THANKS_EMOJIS and not clauses:
        intents, confidence = ["thanks"], 0.75
    else:
        intents, confidence = ["other"], 0.3 if clauses or text.strip() else 0.2

    intents = about_the_quoted_code(intents, "tracking_code" in scan.entities)
    if INJECTION.search(" ".join(clauses)):
        confidence = min(confidence, INJECTED_CONFIDENCE)
    found = problems_in(head)
    return Understanding(
        intent=intents[0],
        intents=intents,
        entities=scan.entities,
        confidence=confidence,
        invalid=scan.invalid,
        problem=found[0] if found else None,
        problem_confidence=1.0 if found else 0.0,
        complaint=1.0 if found else 0.0,
        upset=is_upset(head),
    )
