"""Text matching shared by the carrier clients and the readers of their texts."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Accent-free lower case, so matching ignores how a carrier accents or capitalises."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
