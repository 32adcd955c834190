"""Personal data at rest outside the checkpoints: key names without phones, sealed values.

With `ATENDENTE_ENCRYPTION_KEY` set, the checkpoint saver encrypts conversations and hides
thread ids in key names (`integrations.redis.layout`). Everything else the app keeps about
a customer goes through a `Protection` built from the same key:

- `name(customer_id)` is what a key name carries for a customer: the same keyed digest the
  checkpoints use (so a customer's keys still share one Redis Cluster slot), or the id
  itself, escaped for hash tags, when no key is set;
- `seal(text)` / `unseal(text)` encrypt a value (AES in EAX mode, which authenticates it,
  from pycryptodome, the library LangGraph's encrypted serializer uses). A sealed value is
  marked, so values written before the key was set still read back as they were.

LangGraph's `EncryptedSerializer` works on typed checkpoint values; tickets and cached
orders are plain strings inside Redis hashes, lists and scripts, hence this small module.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from Crypto.Cipher import AES

from integrations.redis.encryption import decode_key, thread_id_secret

SEALED = "enc1:"
"""The mark in front of a sealed value."""
_NONCE_BYTES = 16
_TAG_BYTES = 16


class UnsealError(ValueError):
    """A sealed value cannot be read: another key sealed it, or it was altered."""


def escape_tag(customer_id: str) -> str:
    """Keep braces out of a hash tag, where they would cut it short."""
    return customer_id.replace("%", "%25").replace("{", "%7B").replace("}", "%7D")


class Protection:
    """Key names and values for personal data, under one encryption key or none."""

    def __init__(self, key_text: str | None = None) -> None:
        """Protect with the key `ATENDENTE_ENCRYPTION_KEY` holds; None leaves data readable."""
        self._key = decode_key(key_text) if key_text else None
        self._names = thread_id_secret(key_text) if key_text else None

    @property
    def hides(self) -> bool:
        """True when key names carry digests and values are encrypted."""
        return self._key is not None

    def name(self, customer_id: str) -> str:
        """What key names carry for this customer (a keyed digest when a key is set)."""
        if self._names is None:
            return escape_tag(customer_id)
        return hmac.new(self._names, customer_id.encode(), hashlib.sha256).hexdigest()[:32]

    def seal(self, text: str) -> str:
        """The value to store for `text`: encrypted when a key is set."""
        if self._key is None:
            return text
        cipher = AES.new(self._key, AES.MODE_EAX, mac_len=_TAG_BYTES)
        body, tag = cipher.encrypt_and_digest(text.encode())
        return SEALED + base64.b64encode(cipher.nonce + tag + body).decode()

    def unseal(self, stored: str) -> str:
        """The text of a stored value, sealed or not.

        Raises:
            UnsealError: the value is sealed and this key cannot open it.
        """
        if not stored.startswith(SEALED):
            return stored
        if self._key is None:
            raise UnsealError("a sealed value was read without ATENDENTE_ENCRYPTION_KEY")
        try:
            raw = base64.b64decode(stored[len(SEALED) :], validate=True)
        except (binascii.Error, ValueError) as error:
            raise UnsealError("a sealed value is not valid base64") from error
        nonce, tag = raw[:_NONCE_BYTES], raw[_NONCE_BYTES : _NONCE_BYTES + _TAG_BYTES]
        cipher = AES.new(self._key, AES.MODE_EAX, nonce=nonce, mac_len=_TAG_BYTES)
        try:
            return cipher.decrypt_and_verify(raw[_NONCE_BYTES + _TAG_BYTES :], tag).decode()
        except ValueError as error:
            raise UnsealError("a sealed value does not open with this key") from error


PLAIN = Protection()
"""No key: names carry ids and values stay as they are (the default everywhere)."""
