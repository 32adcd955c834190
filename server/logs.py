"""Logging for the service: one JSON object per line, with customers' personal data removed.

Logs leave the process (log shippers, support tickets, screenshots), and LGPD holds us to
what they contain, so CPFs, e-mails, phones and street addresses are replaced by markers
such as `[cpf]` before any handler writes a record. The `RedactingFilter` sits on the
handler, not on a logger, so it sees records from every library that propagates to the
root, and it rewrites the record itself, so every formatter prints the redacted text.
"""

from __future__ import annotations

import json as jsonlib
import logging
import re
import sys
import traceback
from datetime import UTC, datetime
from typing import Any, TextIO

_EMAIL = re.compile(
    r"(?<![\w.!#$%&'*+/=?^`{|}~-])[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+"
)  # the lookbehind starts a match only at the head of a run: linear time on long tokens
_STREET = (
    r"rua|r\.|avenida|av\.?|travessa|trav\.|alameda|al\.|pra[çc]a|estrada|estr\.|rodovia|rod\."
    r"|largo|viela|beco"
)
_ADDRESS = re.compile(
    rf"\b(?:{_STREET})\s+[^\n,;]{{1,80}}?(?:,\s*|\s+-\s+|\s+)"
    r"(?:(?:n[º°o.]?|n[úu]m(?:ero)?\.?)\s*)?(?:\d+[a-z]?\b|s/?n\b)",
    re.IGNORECASE,
)
_CPF = re.compile(r"(?<!\d)\d{3}\.?\d{3}\.?\d{3}[-.]?\d{2}(?!\d)")
_PHONE = re.compile(
    r"(?<!\d)(?:(?:\+\s?)?55[\s.-]?)?(?:\(\s?0?[1-9]{2}\s?\)|0?[1-9]{2})[\s.-]?"
    r"(?:9[\s.]?)?\d{4}[\s.-]?\d{4}(?!\d)"
    r"|(?<![\w-])(?:9[\s.]?)?\d{4}-\d{4}(?![\w-])"  # no DDD: not inside ids such as UUIDs
)
_CEP = re.compile(r"(?<!\d)\d{5}-\d{3}(?!\d)")

REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (_EMAIL, "[email]"),
    (_ADDRESS, "[address]"),
    (_CPF, "[cpf]"),
    (_PHONE, "[phone]"),
    (_CEP, "[cep]"),
)
"""Applied in this order: e-mails and addresses hold digits the number patterns would split."""

_RECORD_FIELDS = frozenset(
    [*logging.LogRecord("", 0, "", 0, "", None, None).__dict__, "message", "asctime", "taskName"]
)


def redact(text: str) -> str:
    """`text` with every CPF, e-mail, phone, CEP and street address replaced by a marker."""
    for pattern, marker in REDACTIONS:
        text = pattern.sub(marker, text)
    return text


def _redact_value(value: Any) -> Any:
    """Strings redacted, containers walked; other values kept (they carry no free text)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redact_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact_value(item) for item in value]
    return value


def extras(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a caller added with `extra=`, by name."""
    return {k: v for k, v in record.__dict__.items() if k not in _RECORD_FIELDS}


class RedactingFilter(logging.Filter):
    """Redacts a record's message, string extras, traceback and stack in place; drops nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record so that whichever formatter runs next prints no personal data."""
        try:
            message = record.getMessage()
        except Exception:  # a bad format string still gets logged, just unformatted
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        for key, value in extras(record).items():
            setattr(record, key, _redact_value(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the extras, any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        """Serialise the record; values JSON cannot hold are written as redacted text."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in extras(record).items():
            entry.setdefault(key, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return jsonlib.dumps(entry, ensure_ascii=False, default=lambda value: redact(str(value)))


REQUEST_LOGGERS = ("httpx", "httpcore", "bm25s")
"""Libraries that log routine work at INFO or below: the HTTP clients a line for each
WhatsApp send, read receipt and store look-up, which buries the service's own lines (and
cost 3% of a worker's CPU), and the knowledge search each index it builds (it sets its own
logger to DEBUG). They speak from WARNING up, or everything when DEBUG is asked for."""


POLLED_PATHS = ("/playground/api/", "/inbox/api/events", "/inbox/api/tickets", "/healthz")
"""What pages and probes ask for every few seconds: one access line each would bury the rest."""


class QuietPolling(logging.Filter):
    """Drops uvicorn's access lines for successful GETs of polled paths; keeps every other."""

    def filter(self, record: logging.LogRecord) -> bool:
        """False for `GET <polled path> 2xx/3xx`, the lines that say nothing new."""
        args = record.args
        if not isinstance(args, tuple) or len(args) != 5:
            return True
        _, method, path, _, status = args
        quiet = method == "GET" and str(path).startswith(POLLED_PATHS)
        return not (quiet and isinstance(status, int) and status < 400)


class _Handler(logging.StreamHandler[TextIO]):
    """The root handler `configure_logging` installs, recognised so a second call replaces it."""


def configure_logging(level: int | str = logging.INFO, *, json: bool = True) -> None:
    """Send every log record to stderr, redacted, as JSON lines (or plain text for a terminal).

    Safe to call more than once: the handler of an earlier call is replaced, and handlers
    installed by others (pytest's, say) are left alone.

    Args:
        level: The root logger's level, e.g. `logging.INFO` or "DEBUG".
        json: JSON lines for log collectors; False for human-readable lines.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(handler)
    handler = _Handler(sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(
        JsonFormatter()
        if json
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root.addHandler(handler)
    root.setLevel(level)
    requests_level = logging.NOTSET if root.level <= logging.DEBUG else logging.WARNING
    for name in REQUEST_LOGGERS:
        logging.getLogger(name).setLevel(requests_level)
    access = logging.getLogger("uvicorn.access")
    for old in [f for f in access.filters if isinstance(f, QuietPolling)]:
        access.removeFilter(old)
    access.addFilter(QuietPolling())
    logging.captureWarnings(True)
