"""Domain errors the storage layer raises, so callers never branch on botocore messages."""

from __future__ import annotations

from mailx.protocol.errors import Unavailable


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


class StoreUnavailable(StoreError, Unavailable):
    """DynamoDB stayed throttled (or failing) through every retry; nothing was written. Try later."""
