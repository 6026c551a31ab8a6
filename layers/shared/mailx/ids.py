"""JMAP Ids (RFC 8620 §1.2): short, URL-safe, time-ordered, starting with a letter."""

from __future__ import annotations

import secrets
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case: no i, l, o, u


def _encode(number: int, length: int) -> str:
    chars = []
    for _ in range(length):
        number, rem = divmod(number, 32)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    """A new id: one prefix letter, 10 chars of milliseconds, 12 random chars (sorts by creation)."""
    millis = int(time.time() * 1000)
    return prefix + _encode(millis, 10) + _encode(secrets.randbits(60), 12)
