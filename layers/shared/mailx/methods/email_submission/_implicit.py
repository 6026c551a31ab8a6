"""RFC 8621 §7.5: onSuccessUpdateEmail / onSuccessDestroyEmail, run as one implicit Email/set.

The implicit call is the registered Email/set handler with EmailSubmission/set's call id, as
Email/copy does for onSuccessDestroyOriginal, so the Email changes exactly as a client's own Email/set
would. It runs whatever `using` says: jmapc and jmap-jam send onSuccessUpdateEmail with only the
submission capability (docs/architecture.md, "Compatibility rules"), and the Email/set it implies is
part of this method, not a call the client made. Only submissions this call created, updated or
destroyed count; keys naming any other submission are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mailx.methods.email._implicit_set import run_email_set
from mailx.protocol.context import CallContext
from mailx.protocol.validate import invalid, is_id_or_creation_ref


@dataclass(frozen=True)
class OnSuccess:
    """The two extra /set arguments: submission id (or #creationId) -> Email patch, and ids to destroy."""

    update: dict[str, dict[str, Any]] = field(default_factory=dict)
    destroy: list[str] = field(default_factory=list)


def parse_on_success(args: dict[str, Any]) -> OnSuccess:
    """Validate onSuccessUpdateEmail (Id[PatchObject]|null) and onSuccessDestroyEmail (Id[]|null)."""
    update = args.get("onSuccessUpdateEmail")
    destroy = args.get("onSuccessDestroyEmail")
    if update is None:
        update = {}
    if not isinstance(update, dict) or not all(
        is_id_or_creation_ref(key) and isinstance(patch, dict) for key, patch in update.items()
    ):
        raise invalid("'onSuccessUpdateEmail' must map EmailSubmission ids to PatchObjects, or be null")
    if destroy is None:
        destroy = []
    if not isinstance(destroy, list) or not all(is_id_or_creation_ref(item) for item in destroy):
        raise invalid("'onSuccessDestroyEmail' must be an array of EmailSubmission ids, or null")
    return OnSuccess(dict(update), list(destroy))


def _email_ids(call: CallContext, keys: list[str], email_of: dict[str, str]) -> list[tuple[str, str]]:
    """(key, emailId) for each key naming a submission this call changed successfully."""
    found: list[tuple[str, str]] = []
    for key in keys:
        submission_id = call.resolve_id(key)
        if submission_id is not None and submission_id in email_of:
            found.append((key, email_of[submission_id]))
    return found


def implicit_email_set(
    call: CallContext, account_id: str, on_success: OnSuccess, email_of: dict[str, str]
) -> tuple[str, dict[str, Any]] | None:
    """The implicit Email/set response, or None when there is nothing to do."""
    update: dict[str, dict[str, Any]] = {}
    for key, email_id in _email_ids(call, list(on_success.update), email_of):
        update.setdefault(email_id, {}).update(on_success.update[key])
    destroy = list(dict.fromkeys(e for _, e in _email_ids(call, on_success.destroy, email_of)))
    if not update and not destroy:
        return None
    set_args: dict[str, Any] = {"accountId": account_id}
    if update:
        set_args["update"] = update
    if destroy:
        set_args["destroy"] = destroy
    return run_email_set(call, set_args)
