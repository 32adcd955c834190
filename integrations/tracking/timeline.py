"""A short pt-BR timeline of a package's events, sized for a WhatsApp reply.

Carriers write long, shouting or coded texts ("Objeto em transferência - por favor aguarde",
"EM ROTA", "SAO PAULO - SP"); a customer reads them on a phone. Each event becomes one line,
"24/11 09:12 · Saiu para entrega · São Paulo - SP", in Brasília time, newest first, at most
five. Texts the tables do not know are kept in the carrier's words, only tidied, so nothing
is reworded into something the carrier did not say.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from integrations.tracking.correios_auth import BRASILIA
from integrations.tracking.models import TrackingEvent
from integrations.tracking.text import fold

MAX_LINES = 5
MAX_LABEL_CHARS = 60
SEPARATOR = " · "

_SHORT_LABELS: dict[str, str] = {
    "saiu para entrega ao destinatario": "Saiu para entrega",
    "entregue ao destinatario": "Entregue",
    "postado": "Postado",
    "em rota": "Saiu para entrega",
    "entrada": "Chegou à unidade",
    "transferencia": "Em transferência",
    "emissao": "Envio registrado",
    "entregue": "Entregue",
}
"""Accent-free, lower-case texts (after dropping "Objeto " and "- por favor aguarde") whose
usual meaning fits in fewer words: Correios' long forms and Jadlog's one-word codes."""

_ACCENTED_WORDS: dict[str, str] = {
    fold(word): word
    for word in (
        "São Luís José João Conceição Ribeirão Florianópolis Vitória Maceió Niterói Goiânia "
        "Belém Brasília Cuiabá Macapá Jundiaí Maringá Paraíba Uberlândia Petrópolis Anápolis "
        "Taubaté Itajaí Chapecó Marília Ilhéus Criciúma Guarujá Jacareí Mauá Poá Amapá Pará "
        "Paraná Piauí Ceará Goiás Maranhão Rondônia Jaboatão Camaçari"
    ).split()
}
"""Carriers write city names in capitals without accents; the common words get theirs back."""
_LOWER_WORDS = frozenset({"da", "das", "de", "do", "dos", "e"})


def _shouting(text: str) -> bool:
    """Whether the text is written in capitals (Jadlog, Correios units)."""
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and all(ch.isupper() for ch in letters)


def event_label(description: str) -> str:
    """The event's text, short and in sentence case ("Objeto postado" -> "Postado")."""
    text = re.sub(r"^objeto\s+", "", description.strip(), flags=re.IGNORECASE)
    text = re.sub(r"\s*-\s*por favor aguarde\.?$", "", text, flags=re.IGNORECASE).strip()
    short = _SHORT_LABELS.get(fold(text).rstrip("."))
    if short is not None:
        return short
    if _shouting(text):
        text = text.lower()
    text = text[:1].upper() + text[1:]
    if len(text) > MAX_LABEL_CHARS:
        text = text[: MAX_LABEL_CHARS - 1].rstrip() + "…"
    return text or "Atualização do transportador"


def place_label(location: str) -> str:
    """`SAO PAULO - SP` as `São Paulo - SP`; places not in capitals are kept as written."""
    text = " ".join(location.split())
    if not _shouting(text):
        return text
    city, dash, state = text.rpartition(" - ")
    if not dash or len(state) != 2:
        city, state = text, ""
    words = [_ACCENTED_WORDS.get(fold(w), w.capitalize()) for w in city.split()]
    words = [w.lower() if i and w.casefold() in _LOWER_WORDS else w for i, w in enumerate(words)]
    return " ".join(words) + (f" - {state}" if state else "")


def timeline_line(event: TrackingEvent) -> str:
    """One event as `dd/mm HH:MM · label · place` (the place only when known)."""
    when = event.at.astimezone(BRASILIA).strftime("%d/%m %H:%M")
    parts = [when, event_label(event.description)]
    if event.location:
        parts.append(place_label(event.location))
    return SEPARATOR.join(parts)


def timeline(events: Iterable[TrackingEvent], *, limit: int = MAX_LINES) -> list[str]:
    """The newest `limit` events as timeline lines, newest first."""
    newest_first = sorted(events, key=lambda event: event.at, reverse=True)
    return [timeline_line(event) for event in newest_first[:limit]]
