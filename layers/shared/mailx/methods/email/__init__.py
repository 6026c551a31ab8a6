"""JMAP Email methods (RFC 8621 §4); register() adds them to a registry under the mail capability."""

from __future__ import annotations

from mailx.protocol.capabilities import MAIL
from mailx.protocol.registry import MethodSpec, Registry


def register(registry: Registry) -> None:
    """Add Email/get, Email/changes, Email/import and Email/parse."""
    from mailx.methods.email import copy
    from mailx.methods.email.changes import email_changes
    from mailx.methods.email.get import email_get
    from mailx.methods.email.import_ import email_import
    from mailx.methods.email.parse import email_parse
    from mailx.methods.email.query import email_query
    from mailx.methods.email.query_changes import email_query_changes
    from mailx.methods.email.set import email_set

    registry.register(MethodSpec("Email/get", MAIL, email_get))
    registry.register(MethodSpec("Email/changes", MAIL, email_changes))
    registry.register(MethodSpec("Email/query", MAIL, email_query))
    registry.register(MethodSpec("Email/queryChanges", MAIL, email_query_changes))
    registry.register(MethodSpec("Email/set", MAIL, email_set, writes=True))
    copy.register(registry)
    registry.register(MethodSpec("Email/import", MAIL, email_import, writes=True))
    registry.register(MethodSpec("Email/parse", MAIL, email_parse))
