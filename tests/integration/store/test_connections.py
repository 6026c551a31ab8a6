"""The WebSocket connections store: one Query per account, expired items ignored, push settings."""

from __future__ import annotations

import time
from typing import Any

import pytest

from mailx.store import connections
from mailx.store.errors import NotFound


def test_listeners_are_the_accounts_push_enabled_unexpired_connections(alice: Any, bob: Any) -> None:
    from mailx.store.models import WsConnection

    for connection_id in ("on", "off", "old"):
        connections.open_connection(alice.account_id, connection_id)
    connections.open_connection(bob.account_id, "bobs")
    connections.set_push(alice.account_id, "on", True, ["Email", "Mailbox"])
    connections.set_push(alice.account_id, "old", True)
    connections.set_push(bob.account_id, "bobs", True)
    # moto never expires TTL items: one past its expiry must be ignored all the same
    WsConnection(account_id=alice.account_id, connection_id="old").update(
        actions=[WsConnection.expires_at.set(int(time.time()) - 1)]
    )
    [only] = connections.listeners(alice.account_id)
    assert (only.connection_id, only.push_types) == ("on", frozenset({"Email", "Mailbox"}))
    assert only.wants("Email") and not only.wants("Thread")
    assert connections.get(alice.account_id, "old") is None
    with pytest.raises(NotFound):
        connections.set_push(alice.account_id, "old", False)  # an expired connection cannot be revived
    with pytest.raises(NotFound):
        connections.set_push(alice.account_id, "never", True)
    connections.set_push(alice.account_id, "on", False)
    assert connections.listeners(alice.account_id) == []
    connections.close(alice.account_id, "on")
    assert connections.get(alice.account_id, "on") is None
