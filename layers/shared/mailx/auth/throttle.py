"""Brute-force throttling of sign-ins, per account and per source address, in fixed windows.

Counters live in KV with the window's lifetime, so a throttle always lifts when its window ends: an
attacker can slow the owner down for at most one window, never lock them out for good.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from mailx.store import kv
from mailx.store.config_store import effective_settings


@dataclass(frozen=True)
class Throttled(Exception):
    """Too many recent failures; try again after RETRY_AFTER seconds."""

    retry_after: int


def _window() -> tuple[int, int]:
    size = effective_settings().login_failure_window_seconds
    now = int(time.time())
    return now // size, size - now % size


def _keys(account_id: str | None, address: str | None) -> list[tuple[str, int]]:
    settings = effective_settings()
    window, _ = _window()
    keys: list[tuple[str, int]] = []
    if account_id:
        keys.append((f"{account_id}#loginfail#{window}", settings.login_max_failures_per_account))
    if address:
        keys.append((f"loginfail#addr#{address}#{window}", settings.login_max_failures_per_address))
    return keys


def check(account_id: str | None, address: str | None) -> None:
    """Raise Throttled when the account or the address has used up its failures in this window."""
    for key, limit in _keys(account_id, address):
        if kv.count(key) >= limit:
            raise Throttled(_window()[1])


def record_failure(account_id: str | None, address: str | None) -> None:
    """Count one failed sign-in against the account (when known) and the address."""
    _, remaining = _window()
    for key, _limit in _keys(account_id, address):
        kv.increment(key, remaining + 1)
