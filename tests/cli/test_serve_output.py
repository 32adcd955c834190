"""`atendente serve` says where it runs once, and the pages' polling stays out of the log."""

from __future__ import annotations

import logging

from cli.serve import addresses
from server.logs import QuietPolling


def access(method: str, path: str, status: int) -> logging.LogRecord:
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", method, path, "1.1", status),
        None,
    )


def test_polled_pages_are_not_logged_but_everything_else_is() -> None:
    quiet = QuietPolling()
    assert not quiet.filter(access("GET", "/playground/api/messages?wa_id=55119", 200))
    assert not quiet.filter(access("GET", "/playground/api/turn?wa_id=55119", 200))
    assert not quiet.filter(access("GET", "/inbox/api/tickets", 200))
    assert not quiet.filter(access("GET", "/inbox/api/events", 200))
    assert quiet.filter(access("POST", "/playground/api/send", 200))
    assert quiet.filter(access("GET", "/playground/api/messages?wa_id=x", 404))
    assert quiet.filter(access("POST", "/inbox/api/tickets/ATD-00001/reply", 202))
    assert quiet.filter(access("POST", "/webhooks/whatsapp", 200))


def test_the_addresses_are_printed_once_each() -> None:
    text = addresses("http://localhost:8000", playground=True)
    assert text.count("http://localhost:8000/inbox") == 1
    assert text.count("Playground: http://localhost:8000/") == 1
    assert "demo / demo-atendente" in text
    production = addresses("http://atendente.example", playground=False)
    assert "Playground" not in production and "atendente agents add" in production
