"""RFC 8621 §3.2: Thread/changes, a standard RFC 8620 §5.2 /changes (merged-away threads are destroyed)."""

from __future__ import annotations

from typing import Any

from mailx.methods.email.changes import standard_changes
from mailx.protocol.context import CallContext


def thread_changes(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """Thread/changes."""
    return standard_changes(call, args, "Thread")
