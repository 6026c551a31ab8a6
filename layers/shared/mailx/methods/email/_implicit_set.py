"""The implicit Email/set that other methods run in the same request: Email/copy's
onSuccessDestroyOriginal (RFC 8620 §5.4), EmailSubmission/set's onSuccessUpdateEmail and
onSuccessDestroyEmail (RFC 8621 §7.5) and Mailbox/set's onDestroyRemoveEmails (RFC 8621 §2.5)."""

from __future__ import annotations

from typing import Any

from mailx.protocol.capabilities import MAIL
from mailx.protocol.context import CallContext
from mailx.protocol.errors import MethodError
from mailx.protocol.registry import Handler


def email_set_handler() -> Handler:
    """Email/set (imported late: most calls never run it)."""
    from mailx.methods.email.set import email_set

    return email_set


def run_email_set(call: CallContext, set_args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Email/set with SET_ARGS under CALL's request and call id, as one (name, arguments) response:
    a method-level error (on the account, or the call's own) becomes an `error` response."""
    implicit = CallContext(call.request, call.call_id, "Email/set", MAIL, writes=True)
    try:
        implicit.account(set_args)
        output = email_set_handler()(implicit, set_args)
    except MethodError as error:
        return "error", error.to_response_args()
    if isinstance(output, dict):
        return "Email/set", output
    return output[0]
