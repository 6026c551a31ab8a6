"""Brute-force throttling of sign-ins, in fixed windows, shaped so a guesser cannot lock the owner out.

Three counters, all in KV with the window's lifetime (a throttle always lifts when its window ends):

- per source address, over every name it tries (LOGIN_MAX_FAILURES_PER_ADDRESS);
- per login subject *and* source address (LOGIN_MAX_FAILURES_PER_ACCOUNT): a guesser exhausts its own
  allowance for that account, not the owner's, who signs in from another address;
- per login subject from everywhere, a ceiling ACCOUNT_CEILING_FACTOR times higher, which only a
  guesser spread over many addresses can reach.

The subject is the account when the name resolves to one, else a digest of the name as typed: an
unknown name is counted exactly like a real one, so the answers (401, then 429) cannot tell them apart.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from mailx.store import kv
from mailx.store.config_store import effective_settings

# The account-wide ceiling, as a multiple of the per-address-and-account limit.
ACCOUNT_CEILING_FACTOR = 10


@dataclass(frozen=True)
class Throttled(Exception):
    """Too many recent failures; try again after RETRY_AFTER seconds."""

    retry_after: int


def _window() -> tuple[int, int]:
    size = effective_settings().login_failure_window_seconds
    now = int(time.time())
    return now // size, size - now % size


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def subject_of(account_id: str | None, login: str) -> str:
    """Whose failures these are: the account, or (for a name that is no account) the name itself."""
    return account_id or f"loginfail#name#{_digest(login.strip().casefold())}"


def _keys(account_id: str | None, login: str, address: str | None) -> list[tuple[str, int]]:
    settings = effective_settings()
    window, _ = _window()
    subject = subject_of(account_id, login)
    per_account = settings.login_max_failures_per_account
    keys = [(f"{subject}#loginfail#{window}", per_account * ACCOUNT_CEILING_FACTOR)]
    if address:
        keys.append((f"{subject}#loginfail#{_digest(address)}#{window}", per_account))
        keys.append((f"loginfail#addr#{address}#{window}", settings.login_max_failures_per_address))
    return keys


def check(account_id: str | None, login: str, address: str | None) -> None:
    """Raise Throttled when any counter of this subject and address is used up in this window."""
    for key, limit in _keys(account_id, login, address):
        if kv.count(key) >= limit:
            raise Throttled(_window()[1])


def record_failure(account_id: str | None, login: str, address: str | None) -> None:
    """Count one failed sign-in against every counter of this subject and address."""
    _, remaining = _window()
    for key, _limit in _keys(account_id, login, address):
        kv.increment(key, remaining + 1)
