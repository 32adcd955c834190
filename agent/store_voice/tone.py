"""The store's tone: who the bot speaks as, how formal it is, and whether it uses emoji.

The model is told the tone in its system prompt; the rules brain speaks in the words of
the templates file, which a store rewrites in its tone. Emoji are the one part applied to
both brains' replies after they are written, so a store that wants none gets none even
from a sentence it did not rewrite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Speaker = Literal["eu", "a_gente"]
Formality = Literal["informal", "formal"]

_SPEAKERS: dict[Speaker, str] = {
    "eu": 'Speak as the store\'s assistant, in the first person singular ("eu", "vou te '
    'passar"), and address the customer as "você".',
    "a_gente": 'Speak for the store\'s team with "a gente" ("a gente já viu", "a gente te '
    'passa"), never "eu", and address the customer as "você".',
}
_FORMALITY: dict[Formality, str] = {
    "informal": 'Warm and informal, as a friendly attendant writes on WhatsApp: "Oi", "pra" '
    'and "tá" are fine.',
    "formal": 'Polite and formal: "Olá", "para", full words, no slang, no diminutives and no '
    'interjections such as "poxa".',
}

_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\ufe0f\u200d\u20e3]+"
)
_SPACES = re.compile(r"[ \t]{2,}")


@dataclass(frozen=True, slots=True)
class Tone:
    """How the store wants to sound; the defaults are the voice of the shipped templates."""

    speaker: Speaker = "eu"
    formality: Formality = "informal"
    emoji: bool = True

    def prompt(self) -> str:
        """The tone as the model's system prompt states it."""
        emoji = "At most one emoji." if self.emoji else "No emoji at all."
        return f"{_SPEAKERS[self.speaker]} {_FORMALITY[self.formality]} {emoji}"

    def apply(self, text: str) -> str:
        """A written reply in this tone: without emoji when the store wants none."""
        return text if self.emoji else without_emoji(text)


def without_emoji(text: str) -> str:
    """The text with its emoji removed and the spaces they leave behind closed up."""
    lines = (_SPACES.sub(" ", _EMOJI.sub("", line)).strip() for line in text.split("\n"))
    return "\n".join(lines)
