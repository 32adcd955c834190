"""The model's prompts, kept as files so prompt engineers edit text, not code.

Each turn records `PROMPT_VERSION`, a hash of every prompt file, so an eval report or a
conversation can always be traced to the exact prompts that produced it.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from string import Template
from typing import Literal

PromptName = Literal["system", "classify", "act", "reply"]
PROMPT_NAMES: tuple[PromptName, ...] = ("system", "classify", "act", "reply")


@cache
def prompt_text(name: PromptName) -> str:
    """The raw text of one prompt file."""
    return (resources.files(__name__) / f"{name}.md").read_text(encoding="utf-8")


def render(name: PromptName, **values: str) -> str:
    """A prompt with its `$placeholders` filled; a missing value is an error, not a blank."""
    return Template(prompt_text(name)).substitute(values)


@cache
def prompt_version() -> str:
    """A short, stable hash of all prompt files together."""
    digest = hashlib.sha256()
    for name in PROMPT_NAMES:
        digest.update(name.encode())
        digest.update(prompt_text(name).encode())
    return digest.hexdigest()[:12]
