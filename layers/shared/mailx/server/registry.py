"""The one explicit list of JMAP methods this server implements."""

from __future__ import annotations

from functools import lru_cache

from mailx.protocol.registry import Registry


@lru_cache(maxsize=1)
def registry() -> Registry:
    """Every method, registered once per process (imports are deferred to the first request)."""
    from mailx.methods import blob, email, identity, mailbox, search_snippet, submission, thread
    from mailx.methods.core import echo
    from mailx.methods.vacation import register as register_vacation

    result = Registry()
    echo.register(result)
    mailbox.register(result)
    blob.register(result)
    email.register(result)
    thread.register(result)
    search_snippet.register(result)
    identity.register(result)
    submission.register(result)
    register_vacation(result)
    return result
