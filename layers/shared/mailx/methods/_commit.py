"""One write path for the /set-style methods: commit with retry, and store outcomes as JMAP errors.

RFC 8620 §5.3: a lost race under `ifInState` is `stateMismatch`; without it the call decides again on
fresh data. RFC 8620 §3.6.2: when the store stays busy (throttled, or every retry lost) the call answers
`serverUnavailable` if nothing was written, and `serverPartialFail` once any of its commits landed
(every other method-level error promises an unchanged state).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn, TypeVar

from mailx.protocol.errors import SERVER_PARTIAL_FAIL, SERVER_UNAVAILABLE, STATE_MISMATCH, MethodError
from mailx.store.errors import Conflict, StateMismatch, StoreUnavailable
from mailx.store.retry import MAX_TRIES, RetriesExhausted, with_retries

T = TypeVar("T")


def _never() -> bool:
    return False


def give_up(why: str, *, committed: bool) -> NoReturn:
    """serverUnavailable while nothing changed, serverPartialFail once something did."""
    if committed:
        raise MethodError(SERVER_PARTIAL_FAIL, f"{why}; some changes were made: resynchronise")
    raise MethodError(SERVER_UNAVAILABLE, f"{why}; nothing was changed, try again")


def commit_with_retry(
    attempt: Callable[[], T],
    *,
    what: str,
    if_in_state: str | None,
    mismatch_on: tuple[type[Exception], ...] = (StateMismatch, Conflict),
    committed: Callable[[], bool] = _never,
    on_lost_race: Callable[[Exception], None] | None = None,
    tries: int = MAX_TRIES,
) -> T:
    """Run ATTEMPT (read, decide, commit) until it commits.

    A lost race of a kind in MISMATCH_ON under IF_IN_STATE, before anything of this call was COMMITTED,
    is stateMismatch; any other lost race goes to ON_LOST_RACE (which may raise a SetError or
    MethodError to stop) and is tried again. WHAT names the objects in the error description.
    """

    def before_retry(exc: Exception) -> None:
        if if_in_state is not None and isinstance(exc, mismatch_on) and not committed():
            raise MethodError(STATE_MISMATCH, "another change was committed first") from None
        if on_lost_race is not None:
            on_lost_race(exc)

    try:
        return with_retries(attempt, tries=tries, before_retry=before_retry)
    except RetriesExhausted:
        give_up(f"too many concurrent changes to {what}", committed=committed())
    except StoreUnavailable:
        give_up("DynamoDB is throttling writes", committed=committed())
