"""RFC 8620 §6.3: Blob/copy, between accounts or (trivially) within one."""

from __future__ import annotations

from typing import Any

from mailx.blobs.copy import copy_blob
from mailx.limits import LIMITS
from mailx.protocol.context import CallContext
from mailx.protocol.errors import REQUEST_TOO_LARGE, MethodError, SetError
from mailx.protocol.validate import invalid, is_id_or_creation_ref


def _blob_ids(args: dict[str, Any]) -> list[str]:
    value = args.get("blobIds")
    if not isinstance(value, list) or not all(is_id_or_creation_ref(item) for item in value):
        raise invalid("'blobIds' is required and must be an array of Ids")
    if len(value) > LIMITS.max_objects_in_set:
        raise MethodError(
            REQUEST_TOO_LARGE,
            f"{len(value)} blobs to copy; the maximum is {LIMITS.max_objects_in_set} (maxObjectsInSet)",
        )
    return list(dict.fromkeys(value))


def blob_copy(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """`copied` maps each given blobId to its id in `accountId`; unknown ones are notFound SetErrors.

    The keys are the ids as the client sent them (a `#creationId` stays as written) so that a client
    can match every entry to its request.
    """
    from_account_id = call.checked_from_account(args)
    account_id = call.checked_account(args)
    copied: dict[str, str] = {}
    not_copied: dict[str, dict[str, Any]] = {}
    for given in _blob_ids(args):
        resolved = call.resolve_id(given)
        new_id = None if resolved is None else copy_blob(from_account_id, account_id, resolved)
        if new_id is None:
            not_copied[given] = SetError.not_found(f"blob {given!r} does not exist").to_json()
        else:
            copied[given] = new_id
    return {
        "fromAccountId": from_account_id,
        "accountId": account_id,
        "copied": copied or None,
        "notCopied": not_copied or None,
    }
