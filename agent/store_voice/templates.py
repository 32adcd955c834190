"""The sentences the rules brain writes, read from a file the store can override.

`pt_BR.toml` beside this module holds every key; a store's file holds only the keys it
changes. The store's file is checked before anything starts: a key the default does not
have, a placeholder dropped or added, a value that is not text, a button title WhatsApp
would refuse or a sentence that agrees to what only a person decides is named on one line
with the file and the key, so a typo never reaches a customer as a half-filled sentence.
"""

from __future__ import annotations

import difflib
import hashlib
import tomllib
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from string import Formatter
from typing import Any

from agent.attendant import agrees_prematurely

DEFAULT_FILE = "pt_BR.toml"
BUTTON_TITLE_LIMIT = 20
"""WhatsApp's longest reply-button title or list-button label."""
_BUTTONS = ("menu.", "catalog.choose_button", "knowledge.person_button")
"""The keys whose sentences are button titles."""


_MAY_SAY_CLARO = ("answers.", "greeting.", "labels.", "menu.")
"""Sentences that never answer a refund, cancellation or exchange, so "Claro!" is harmless."""


class TemplatesError(ValueError):
    """A templates file that cannot be used: each line names the file, the key and why."""


def placeholders(text: str) -> frozenset[str]:
    """The `{name}` placeholders of a sentence.

    Raises:
        ValueError: Unbalanced braces, or a placeholder that is not a plain name
            (`{}`, `{0}`, `{a.b}`, `{a!r}`, `{a:>3}`).
    """
    names: set[str] = set()
    for _, name, spec, conversion in Formatter().parse(text):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"{{{name}}} is not a plain {{name}} placeholder")
        names.add(name)
    return frozenset(names)


def _flatten(table: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Dotted keys and their values: [order] preparing = ... -> ('order.preparing', ...)."""
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{key}.")
        else:
            yield key, value


def _variants(value: Any) -> tuple[str, ...] | None:
    """A sentence or a list of variants as a tuple, or None when it is neither."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    return None


class ReplyTemplates:
    """The store's reply sentences: the shipped ones with the store's overrides applied."""

    def __init__(self, sentences: Mapping[str, tuple[str, ...]], source: str) -> None:
        """Hold `sentences` (key -> variants); `source` names where they came from."""
        self._sentences = dict(sentences)
        self.source = source

    def __contains__(self, key: object) -> bool:
        """Whether the templates have `key` (optional sentences, such as a request's purpose)."""
        return key in self._sentences

    def keys(self) -> frozenset[str]:
        """Every key."""
        return frozenset(self._sentences)

    def variants(self, key: str) -> tuple[str, ...]:
        """Every variant of a sentence, unfilled."""
        return self._sentences[key]

    def text(self, key: str, **values: object) -> str:
        """The sentence `key` filled with `values` (its first variant, when it has several)."""
        return self._sentences[key][0].format_map(values)

    def pick(self, key: str, seed: str, **values: object) -> str:
        """One variant of `key`, the same for the same `seed` and varied across seeds."""
        options = self._sentences[key]
        digest = hashlib.sha256(seed.encode()).digest()
        return options[digest[0] % len(options)].format_map(values)


def _problems(key: str, value: Any, default: tuple[str, ...]) -> Iterator[str]:
    """What is wrong with a store's value for `key`, against the shipped sentence."""
    variants = _variants(value)
    if variants is None:
        yield "must be text (a quoted sentence) or a list of sentences"
        return
    if isinstance(value, list) and len(default) == 1:
        yield "takes one sentence, not a list"
        return
    if not variants:
        yield "needs at least one sentence"
        return
    expected = placeholders(default[0])
    for variant in variants:
        try:
            found = placeholders(variant)
        except ValueError as error:
            yield f"{error} (write a literal brace as {{{{ or }}}})"
            continue
        for name in sorted(expected - found):
            yield f"placeholder {{{name}}} is missing"
        for name in sorted(found - expected):
            allowed = ", ".join(f"{{{n}}}" for n in sorted(expected)) or "none"
            yield f"unknown placeholder {{{name}}} (this sentence takes {allowed})"
        if not variant.strip() and default[0].strip():
            yield "is empty"
        if key.startswith(_BUTTONS) and len(variant) > BUTTON_TITLE_LIMIT:
            yield f"is a button title longer than WhatsApp's {BUTTON_TITLE_LIMIT} characters"
        if not key.startswith(_MAY_SAY_CLARO) and agrees_prematurely(variant):
            yield "agrees to a refund, cancellation or exchange that only a person decides"


def _read(path: Path) -> dict[str, Any]:
    """The TOML document at `path`, or the one-line reason it cannot be read."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TemplatesError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise TemplatesError(f"{path}: cannot be read ({type(error).__name__})") from None
    except tomllib.TOMLDecodeError as error:
        raise TemplatesError(f"{path}: not valid TOML ({error})") from None


@cache
def default_templates() -> ReplyTemplates:
    """The shipped sentences, every key (read once per process)."""
    text = (resources.files(__package__) / DEFAULT_FILE).read_text(encoding="utf-8")
    sentences: dict[str, tuple[str, ...]] = {}
    for key, value in _flatten(tomllib.loads(text)):
        variants = _variants(value)
        if not variants:  # pragma: no cover - the shipped file is checked by the tests
            raise TemplatesError(f"{DEFAULT_FILE}: {key}: must be text or a list of sentences")
        sentences[key] = variants
    return ReplyTemplates(sentences, DEFAULT_FILE)


def load_templates(override: Path | None = None) -> ReplyTemplates:
    """The shipped sentences with a store's file applied over them.

    Raises:
        TemplatesError: The file is missing or unreadable, or any key in it is wrong; the
            message has one line per problem, each naming the file and the key.
    """
    default = default_templates()
    if override is None:
        return default
    sentences = {key: default.variants(key) for key in default.keys()}
    lines: list[str] = []
    for key, value in _flatten(_read(override)):
        if key not in default:
            close = difflib.get_close_matches(key, default.keys(), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            lines.append(f"{override}: {key}: unknown key{hint}")
            continue
        problems = list(_problems(key, value, default.variants(key)))
        lines += [f"{override}: {key}: {problem}" for problem in problems]
        if not problems:
            sentences[key] = _variants(value) or sentences[key]
    if lines:
        raise TemplatesError("\n".join(lines))
    return ReplyTemplates(sentences, str(override))
