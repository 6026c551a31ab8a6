"""JMAP Mailbox methods (RFC 8621 §2); register() adds them all to a registry."""

from __future__ import annotations

from mailx.protocol.registry import Registry


def register(registry: Registry) -> None:
    """Add Mailbox/get, /changes, /query, /queryChanges and /set."""
    from mailx.methods.mailbox import changes, get, query, query_changes
    from mailx.methods.mailbox import set as set_

    for module in (get, changes, query, query_changes, set_):
        module.register(registry)
