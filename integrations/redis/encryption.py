"""Encryption at rest for checkpoints: LangGraph's EncryptedSerializer with AES (EAX).

Conversations hold e-mails, CPFs and phone numbers; with a key set, everything the saver
stores as a value is ciphertext, and only ids, versions and channel names stay readable.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from langgraph.checkpoint.serde.encrypted import EncryptedSerializer

AES_KEY_SIZES = (16, 24, 32)


class EncryptionKeyError(ValueError):
    """The configured key is not a usable AES key."""


def decode_key(text: str) -> bytes:
    """Read a key given as hex or base64 of 16, 24 or 32 bytes."""
    text = text.strip()
    candidates: list[bytes] = []
    try:
        candidates.append(bytes.fromhex(text))
    except ValueError:
        pass
    try:
        candidates.append(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        pass
    for key in candidates:
        if len(key) in AES_KEY_SIZES:
            return key
    raise EncryptionKeyError(
        "ATENDENTE_ENCRYPTION_KEY must be the hex or base64 form of a 16, 24 or 32-byte key "
        "(for example, the output of: openssl rand -base64 32)"
    )


def encrypted_serializer(key_text: str) -> EncryptedSerializer:
    """The serializer a saver uses when `ATENDENTE_ENCRYPTION_KEY` is set."""
    return EncryptedSerializer.from_pycryptodome_aes(key=decode_key(key_text))


def thread_id_secret(key_text: str) -> bytes:
    """A secret, derived from the encryption key, that hides thread ids in key names."""
    return hmac.new(decode_key(key_text), b"atendente:thread-ids", hashlib.sha256).digest()
