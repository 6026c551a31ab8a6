"""JMAP Email methods (RFC 8621 §4); register() adds them to a registry under the mail capability."""

from __future__ import annotations

from mailx.protocol.capabilities import MAIL
from mailx.protocol.registry import MethodSpec, Registry


def register(registry: Registry) -> None:
    """Add Email/get and Email/changes."""
    from mailx.methods.email.changes import email_changes
    from mailx.methods.email.get import email_get

    registry.register(MethodSpec("Email/get", MAIL, email_get))
    registry.register(MethodSpec("Email/changes", MAIL, email_changes))
