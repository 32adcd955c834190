"""What a brain understood of one customer turn: intent, entities and confidence.

Both brains (rules and openai) return this same shape, so the graph never needs to know
which brain is behind `classify_intent`.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from tools.problems import ProblemType

Intent = Literal[
    "greeting",
    "order_status",
    "tracking",
    "payment",
    "refund",
    "cancel",
    "exchange_return",
    "product_info",
    "store_info",
    "human_agent",
    "thanks",
    "provide_info",
    "other",
]
INTENTS: tuple[Intent, ...] = get_args(Intent)

UnderstandingSource = Literal["rules", "model", "fallback"]
"""`rules`: the offline classifier was sure enough; `model`: the LLM classified;
`fallback`: the LLM failed and the rules answered in its place."""

EntityKind = Literal["order_number", "tracking_code", "email", "cpf", "phone"]
ENTITY_KINDS: tuple[EntityKind, ...] = get_args(EntityKind)


class Entities(TypedDict, total=False):
    """Entities found in a message, each already normalised and validated.

    order_number: digits only ("1001"); tracking_code: upper-case S10 with a valid check
    digit ("AA123456785BR"); email: lower-case; cpf: 11 digits with valid check digits;
    phone: E.164 ("+5511987654321").
    """

    order_number: str
    tracking_code: str
    email: str
    cpf: str
    phone: str


class Understanding(BaseModel):
    """The classification of one customer message."""

    intent: Intent = Field(description="The main thing the customer wants in this message.")
    intents: list[Intent] = Field(
        default_factory=list,
        description="Every request found, main one first; two entries for 'X e tambem Y'.",
    )
    entities: Entities = Field(default_factory=lambda: Entities())
    confidence: float = Field(ge=0.0, le=1.0, description="How sure the brain is, 0 to 1.")
    invalid: list[EntityKind] = Field(
        default_factory=list,
        description="Entity kinds the customer seemed to give but that failed validation.",
    )
    problem: ProblemType | None = Field(
        None, description="What went wrong for the customer, if they report a problem."
    )
    problem_confidence: float = Field(
        0.0, ge=0.0, le=1.0, description="How likely the named problem is the right one."
    )
    complaint: float = Field(
        0.0, ge=0.0, le=1.0, description="How likely the message reports a problem at all."
    )
    upset: bool = Field(
        False, description="The customer is angry or frustrated (shouting, '!!!', insults)."
    )
    source: UnderstandingSource = Field(
        "rules", description="Who understood the message; `fallback` when the model failed."
    )
