"""RFC 8621 §6.2 (RFC 8620 §5.2): Identity/changes over the account's Identity change log."""

from __future__ import annotations

from typing import Any

from mailx.methods.email.changes import standard_changes
from mailx.protocol.context import CallContext
from mailx.protocol.errors import CANNOT_CALCULATE_CHANGES, MethodError
from mailx.store.identities import TYPE_NAME


def identity_changes(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """Identity/changes. A state newer than the one this request cached (a concurrent request of the
    same client wrote since) is read again rather than called unknown."""
    since = args.get("sinceState")
    account_id = args.get("accountId")
    if isinstance(since, str) and since.isascii() and since.isdigit() and isinstance(account_id, str):
        if len(since) > 15:
            raise MethodError(CANNOT_CALCULATE_CHANGES, f"{since!r} is not a state this server issued")
        if int(since) > int(call.services.state(account_id, TYPE_NAME)):
            call.services.refresh(account_id)
    return standard_changes(call, args, TYPE_NAME)
