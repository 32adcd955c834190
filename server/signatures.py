"""Webhook signatures: HMAC-SHA256 of the raw body, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac


def hex_signature(secret: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of `body` under `secret`, as Nuvemshop sends it."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def is_signed(secret: str | None, body: bytes, header: str | None) -> bool:
    """True only when a secret is configured and `header` is the body's signature."""
    if not secret or not header:
        return False
    return hmac.compare_digest(hex_signature(secret, body), header.strip().lower())
