"""Webhook signatures: HMAC-SHA256 of the raw body, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac


def hex_signature(secret: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of `body` under `secret`, as Nuvemshop sends it."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def same_secret(given: str, expected: str) -> bool:
    """Constant-time equality of two header or query values, whatever characters they hold.

    `hmac.compare_digest` refuses non-ASCII `str` with a TypeError, which a forged header
    ("sha256=é") turned into a 500; bytes compare without that hole.
    """
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode())


def is_signed(secret: str | None, body: bytes, header: str | None) -> bool:
    """True only when a secret is configured and `header` is the body's signature."""
    if not secret or not header:
        return False
    return same_secret(header.strip().lower(), hex_signature(secret, body))
