"""RFC 8621 §6.2 (RFC 8620 §5.2): Identity/changes over the account's Identity change log."""

from __future__ import annotations

from typing import Any

from mailx.methods.email.changes import standard_changes
from mailx.protocol.context import CallContext
from mailx.protocol.standard_changes import is_modseq_state
from mailx.store.identities import TYPE_NAME


def identity_changes(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """Identity/changes. A state newer than the one this request cached (a concurrent request of the
    same client wrote since) is read again rather than called unknown."""
    since = args.get("sinceState")
    account_id = args.get("accountId")
    stale = is_modseq_state(since) and isinstance(account_id, str)
    if stale and int(str(since)) > int(call.services.state(str(account_id), TYPE_NAME)):
        call.services.refresh(str(account_id))
    return standard_changes(call, args, TYPE_NAME)
