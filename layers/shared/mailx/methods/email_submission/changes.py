"""RFC 8621 §7.2 (RFC 8620 §5.2): EmailSubmission/changes over the account's EmailSubmission change log."""

from __future__ import annotations

from typing import Any

from mailx.methods.email.changes import standard_changes
from mailx.protocol.context import CallContext
from mailx.store.submissions import TYPE_NAME


def email_submission_changes(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """EmailSubmission/changes; every change the consumer makes to undoStatus or deliveryStatus is an update.

    A state newer than the one this request cached (the consumer wrote since) is read again.
    """
    since = args.get("sinceState")
    account_id = args.get("accountId")
    readable = isinstance(since, str) and since.isascii() and since.isdigit() and len(since) <= 15
    if not readable or not isinstance(account_id, str):
        return standard_changes(call, args, TYPE_NAME)
    if int(str(since)) > int(call.services.state(account_id, TYPE_NAME)):
        call.services.refresh(account_id)
    return standard_changes(call, args, TYPE_NAME)
