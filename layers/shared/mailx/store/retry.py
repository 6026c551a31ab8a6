"""The one retry policy for optimistic writes: how many tries, and the jittered pause between them.

Every read-decide-commit loop (the /set methods, ingest, webhook events) runs through `with_retries`,
so a lost race is retried the same way everywhere; the methods layer maps what is left (a lost race
with `ifInState`, retries exhausted, throttling) to JMAP errors in `mailx.methods._commit`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from mailx.store.errors import Conflict, StateMismatch, StoreError
from mailx.store.transactions import pause

T = TypeVar("T")
MAX_TRIES = 12  # ~1.2 s of pauses at most: well inside a request, enough for a busy thread or mailbox
LOST_RACES: tuple[type[Exception], ...] = (Conflict, StateMismatch)


class RetriesExhausted(StoreError):
    """Every try lost its race; nothing of the last try was written."""


def with_retries(
    attempt: Callable[[], T],
    *,
    tries: int = MAX_TRIES,
    before_retry: Callable[[Exception], None] | None = None,
) -> T:
    """ATTEMPT until it commits; after each lost race (Conflict, StateMismatch) BEFORE_RETRY sees the
    error and may raise to stop, then a jittered pause. RetriesExhausted after TRIES lost races."""
    last: Exception | None = None
    for number in range(tries):
        if number:
            pause(number - 1)
        try:
            return attempt()
        except LOST_RACES as exc:
            if before_retry is not None:
                before_retry(exc)
            last = exc
    raise RetriesExhausted(f"lost {tries} races in a row: {last}") from last
