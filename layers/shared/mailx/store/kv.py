"""Short-lived key/value items (the predecessor's KV) on DynamoDB with a TTL.

DynamoDB deletes expired items lazily (and moto never does), so every read here treats an item whose
`expires_at` has passed as absent.
"""

from __future__ import annotations

import time

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from mailx.store import tables
from mailx.store.errors import Conflict
from mailx.store.models import KvItem


def _now() -> int:
    return int(time.time())


def get(key: str) -> str | None:
    """The value under KEY, or None when absent or expired."""
    tables.bind()
    try:
        item = KvItem.get(key, consistent_read=True)
    except DoesNotExist:
        return None
    if item.expires_at <= _now():
        return None
    return item.value


def put(key: str, value: str, ttl_seconds: int, *, only_if_absent: bool = False) -> None:
    """Store VALUE for TTL_SECONDS; with ONLY_IF_ABSENT an unexpired item wins (Conflict)."""
    tables.bind()
    item = KvItem(key=key, value=value, expires_at=_now() + ttl_seconds)
    condition = None
    if only_if_absent:
        condition = KvItem.key.does_not_exist() | (KvItem.expires_at <= _now())
    try:
        item.save(condition=condition)
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise Conflict(key) from None
        raise


def delete(key: str) -> None:
    """Remove KEY (absent is fine)."""
    tables.bind()
    KvItem(key=key).delete()


def increment(key: str, ttl_seconds: int) -> int:
    """Add one to a counter that lives TTL_SECONDS from its first increment; returns the new count.

    An expired counter restarts from one, so a stale item never keeps someone throttled.
    """
    tables.bind()
    now = _now()
    item = KvItem(key=key)
    try:
        item.update(
            actions=[KvItem.hits.add(1)],
            condition=KvItem.key.exists() & (KvItem.expires_at > now),
        )
        return int(item.hits)
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
    fresh = KvItem(key=key, value="", hits=1, expires_at=now + ttl_seconds)
    try:
        fresh.save(condition=KvItem.key.does_not_exist() | (KvItem.expires_at <= now))
        return 1
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
    return increment(key, ttl_seconds)  # someone else just started the window; count on it


def count(key: str) -> int:
    """The current value of a counter (0 when absent or expired)."""
    tables.bind()
    try:
        item = KvItem.get(key, consistent_read=True)
    except DoesNotExist:
        return 0
    return int(item.hits) if item.expires_at > _now() else 0


def expires_in(key: str) -> int:
    """Seconds until KEY expires (0 when absent or expired)."""
    tables.bind()
    try:
        item = KvItem.get(key, consistent_read=True, attributes_to_get=["expires_at"])
    except DoesNotExist:
        return 0
    return max(0, int(item.expires_at) - _now())
