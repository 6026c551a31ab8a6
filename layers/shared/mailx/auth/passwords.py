"""Password hashing with Argon2id; the clear password is never stored, logged or returned."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _hasher() -> Any:
    from argon2 import PasswordHasher  # deferred: only sign-in paths pay for it

    # OWASP's Argon2id minimum (19 MiB, 2 passes): ~20 ms here, bearable on a Lambda sign-in.
    return PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def hash_password(password: str) -> str:
    """An Argon2id hash string (salted, parameters included)."""
    result: str = _hasher().hash(password)
    return result


def verify_password(password_hash: str, password: str) -> bool:
    """True when PASSWORD matches; any malformed hash simply does not match."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        return bool(_hasher().verify(password_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_password_rules(password: str) -> str | None:
    """Why PASSWORD is unacceptable, or None. Long passphrases are fine; tiny ones are not."""
    if len(password) < 8:
        return "password must be at least 8 characters"
    if len(password) > 1024:
        return "password must be at most 1024 characters"
    return None
