"""Open JMAP WebSocket connections per account, and their push settings (RFC 8887 §4.3.5).

Keys lead with the account id, so the fan-out of one account's change is one Query. Items carry a TTL
(API Gateway closes every connection within 2 hours, and $disconnect may never run when a function
fails); DynamoDB deletes expired items lazily and moto never does, so every read skips them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist, UpdateError

from mailx.store import tables
from mailx.store.errors import NotFound
from mailx.store.models import WsConnection

# API Gateway's maximum connection duration is 2 hours; a few minutes more covers clock skew.
LIFETIME_SECONDS = 2 * 3600 + 300
ALL_TYPES = "*"


@dataclass(frozen=True)
class Connection:
    """A connection; PUSH_TYPES None means push is off, an empty WANTS filter (None) means every type."""

    account_id: str
    connection_id: str
    push_enabled: bool
    push_types: frozenset[str] | None

    def wants(self, type_name: str) -> bool:
        return self.push_enabled and (self.push_types is None or type_name in self.push_types)


def _now() -> int:
    return int(time.time())


def _record(item: WsConnection) -> Connection:
    raw = item.push_types
    if raw is None:
        return Connection(item.account_id, item.connection_id, False, None)
    types = None if raw == ALL_TYPES else frozenset(str(t) for t in json.loads(raw))
    return Connection(item.account_id, item.connection_id, True, types)


def open_connection(account_id: str, connection_id: str) -> None:
    """Record a new connection (push off)."""
    tables.bind()
    now = _now()
    WsConnection(
        account_id=account_id, connection_id=connection_id, created_at=now, expires_at=now + LIFETIME_SECONDS
    ).save()


def set_push(account_id: str, connection_id: str, enabled: bool, types: Iterable[str] | None = None) -> None:
    """Turn push on (for TYPES, None = every type) or off; NotFound when the connection is not recorded."""
    tables.bind()
    value = None if not enabled else ALL_TYPES if types is None else json.dumps(sorted(set(types)))
    action = WsConnection.push_types.remove() if value is None else WsConnection.push_types.set(value)
    try:
        WsConnection(account_id=account_id, connection_id=connection_id).update(
            actions=[action],
            condition=WsConnection.connection_id.exists() & (WsConnection.expires_at > _now()),
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise NotFound(connection_id) from None
        raise


def get(account_id: str, connection_id: str) -> Connection | None:
    """The connection, or None when it is not recorded or has expired."""
    tables.bind()
    if not tables.key_can_exist(connection_id):
        return None
    try:
        item = WsConnection.get(account_id, connection_id, consistent_read=True)
    except DoesNotExist:
        return None
    return None if item.expires_at <= _now() else _record(item)


def listeners(account_id: str) -> list[Connection]:
    """The account's unexpired connections with push enabled (one strongly consistent Query, paged).

    Strongly consistent, so a push enabled just before a commit is never missed by its fan-out.
    """
    tables.bind()
    now = _now()
    return [
        _record(item)
        for item in WsConnection.query(account_id, consistent_read=True)
        if item.expires_at > now and item.push_types is not None
    ]


def close(account_id: str, connection_id: str) -> None:
    """Forget a connection (absent is fine): $disconnect, or a GoneException from API Gateway."""
    tables.bind()
    WsConnection(account_id=account_id, connection_id=connection_id).delete()
