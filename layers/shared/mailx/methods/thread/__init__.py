"""JMAP Thread methods (RFC 8621 §3); register() adds them to a registry under the mail capability."""

from __future__ import annotations

from mailx.protocol.capabilities import MAIL
from mailx.protocol.registry import MethodSpec, Registry


def register(registry: Registry) -> None:
    """Add Thread/get and Thread/changes."""
    from mailx.methods.thread.changes import thread_changes
    from mailx.methods.thread.get import thread_get

    registry.register(MethodSpec("Thread/get", MAIL, thread_get))
    registry.register(MethodSpec("Thread/changes", MAIL, thread_changes))
