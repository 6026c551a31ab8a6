"""JMAP EmailSubmission methods (RFC 8621 §7); register() adds them under the submission capability."""

from __future__ import annotations

from mailx.protocol.registry import Registry


def register(registry: Registry) -> None:
    """Add EmailSubmission/get, /changes, /query, /queryChanges and /set."""
    from mailx.methods.submission import changes, get, query, query_changes
    from mailx.methods.submission import set as set_

    for module in (get, changes, query, query_changes, set_):
        module.register(registry)
