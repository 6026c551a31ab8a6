"""Domain errors the storage layer raises, so callers never branch on botocore messages."""

from __future__ import annotations

from mailx.errors import Unavailable


class StoreError(Exception):
    """Base class for storage-level failures that callers are expected to handle."""


class NotFound(StoreError):
    """The item does not exist (or belongs to another account, which is the same to the caller)."""


class Conflict(StoreError):
    """A conditional write lost: the item exists already, or changed since it was read."""


class StateMismatch(StoreError):
    """The account's state for a type is not the one the caller expected (ifInState)."""


class ChangesExpired(StoreError):
    """The change log no longer reaches back to the requested state."""


class OverQuota(StoreError):
    """Committing would take the account past a hard quota limit (RFC 9425); nothing was written."""

    def __init__(self, resource: str, used: int, delta: int, limit: int) -> None:
        super().__init__(f"{resource}: {used} used + {delta} would pass the hard limit of {limit}")
        self.resource = resource
        self.used = used
        self.delta = delta
        self.limit = limit


class StoreUnavailable(StoreError, Unavailable):
    """DynamoDB stayed throttled (or failing) through every retry; nothing was written. Try later."""


# Error codes of a failed DynamoDB call that mean "busy, try later": botocore has retried them already.
BUSY_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionInProgressException",
        "InternalServerError",
        "ServiceUnavailable",
    }
)


def is_unavailable(exc: BaseException) -> bool:
    """True when EXC (or what caused it) says the store is busy rather than that the request is wrong.

    pynamodb wraps botocore's ClientError in its own errors and keeps the code as `cause_response_code`;
    code outside method calls (sign-in, settings) lets those through, and the app answers 503 for them.
    """
    seen: BaseException | None = exc
    for _ in range(8):  # a short cause chain; never loop on a cycle
        if seen is None:
            return False
        if isinstance(seen, Unavailable):
            return True
        code = getattr(seen, "cause_response_code", None)
        if code is None:
            code = getattr(seen, "response", {}).get("Error", {}).get("Code")
        if code in BUSY_CODES:
            return True
        seen = seen.__cause__ or seen.__context__
    return False
