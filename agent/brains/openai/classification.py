"""What the model must return when it classifies a message, and how it meets the rules.

The model gives the intents and its confidence; entities it names are kept only when our
validators accept them and the customer really typed them, so a hallucinated order number
or CPF can never reach identity checks or tools.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from agent.language.validators import is_valid_cpf, is_valid_email, is_valid_s10
from agent.understanding import Entities, Intent, Understanding
from tools.problems import ProblemType

MODEL_PROBLEM_CONFIDENCE = 0.9
"""How far a problem the language model names is trusted (it read the whole message)."""


class ModelReading(BaseModel):
    """The structured output asked of the model."""

    intent: Intent = Field(description="The main thing the customer wants in this message.")
    intents: list[Intent] = Field(
        description="Every request in the message, main one first (two for 'X e também Y')."
    )
    order_number: str | None = Field(description="Order number as typed, digits only.")
    tracking_code: str | None = Field(description="Carrier tracking code as typed.")
    email: str | None = Field(description="E-mail address as typed.")
    cpf: str | None = Field(description="CPF as typed, digits only.")
    confidence: float = Field(ge=0.0, le=1.0, description="How sure you are, 0 to 1.")
    problem: ProblemType | None = Field(None, description="The customer's problem, if any.")
    upset: bool = Field(False, description="The customer is angry or frustrated.")


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isascii() and c.isdigit())


def _typed_entities(reading: ModelReading, text: str) -> Entities:
    """The model's entities that validate and appear in the customer's own words."""
    entities = Entities()
    typed_digits = _digits(text)
    if (number := _digits(reading.order_number or "")) and number in typed_digits:
        entities["order_number"] = number
    code = (reading.tracking_code or "").strip().upper()
    if is_valid_s10(code) and code in text.upper():
        entities["tracking_code"] = code
    email = (reading.email or "").strip().lower()
    if is_valid_email(email) and email in text.lower():
        entities["email"] = email
    cpf = _digits(reading.cpf or "")
    if is_valid_cpf(cpf) and cpf in typed_digits:
        entities["cpf"] = cpf
    return entities


def merge_reading(reading: ModelReading, rules: Understanding, text: str) -> Understanding:
    """The model's intents with the rules' entities, topped up by valid model entities."""
    intents = list(dict.fromkeys([reading.intent, *reading.intents]))
    entities = Entities(**{**_typed_entities(reading, text), **rules.entities})
    return Understanding(
        intent=reading.intent,
        intents=intents,
        entities=entities,
        confidence=reading.confidence,
        invalid=[kind for kind in rules.invalid if kind not in entities],
        problem=rules.problem or reading.problem,
        problem_confidence=rules.problem_confidence if rules.problem else MODEL_PROBLEM_CONFIDENCE,
        complaint=max(rules.complaint, MODEL_PROBLEM_CONFIDENCE if reading.problem else 0.0),
        upset=rules.upset or reading.upset,
        source="model",
    )
