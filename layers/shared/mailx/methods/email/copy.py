"""RFC 8621 §4.7 (RFC 8620 §5.4): Email/copy — a stored message ingested into another account.

The copy is the same octets: the source's S3 object is copied server-side into the target account and
goes through the one ingest path with the create's mailboxIds, and keywords and receivedAt (the
source's unless given). Only those three properties may be set; the message itself cannot change.

Decisions: duplicates are allowed (RFC 8621 §4.7 says MAY forbid), so `alreadyExists` is never
answered and copying twice makes two Emails, as two Email/set creates would. With
`onSuccessDestroyOriginal`, the implicit Email/set is the registered Email/set handler, run with
the copy's call id on the from-account, so it destroys exactly as a client's own Email/set would.
"""

from __future__ import annotations

from typing import Any

from mailx.limits import LIMITS
from mailx.methods.email._implicit_set import run_email_set
from mailx.methods.email._set_create import Placement, check_placement, place, server_set
from mailx.protocol.context import CallContext
from mailx.protocol.errors import STATE_MISMATCH, MethodError, SetError
from mailx.protocol.registry import MethodOutput
from mailx.protocol.standard_copy import CopyArgs, CopyResult, parse_copy
from mailx.protocol.standard_set import check_state
from mailx.protocol.validate import is_id, parse_utc_date
from mailx.store import blobs, emails, mailboxes
from mailx.store.emails import EmailRecord

SETTABLE = frozenset({"id", "mailboxIds", "keywords", "receivedAt"})


def _placement(call: CallContext, obj: dict[str, Any], source: EmailRecord, known: set[str]) -> Placement:
    """The create's placement, taking the source's keywords and receivedAt where it names none."""
    given = check_placement(call, obj, known)
    keywords = given.keywords if "keywords" in obj else list(source.keywords)
    received_at = given.received_at
    if received_at is None:
        received_at = parse_utc_date(source.received_at, "receivedAt")
    return Placement(given.mailbox_ids, keywords, received_at)


def _copy_one(
    call: CallContext, args: CopyArgs, obj: dict[str, Any], sources: dict[str, EmailRecord], known: set[str]
) -> dict[str, Any]:
    other = sorted(name for name in obj if name not in SETTABLE)
    if other:
        raise SetError.invalid_properties(other, "only mailboxIds, keywords and receivedAt may be set")
    source = sources.get(obj["id"])
    if source is None:
        raise SetError.not_found(f"no Email {obj['id']!r} in account {args.from_account_id}")
    placement = _placement(call, obj, source, known)
    key = blobs.email_key(args.from_account_id, source.blob_id)
    return server_set(place(args.account_id, key, placement))


def _check_states(call: CallContext, args: CopyArgs) -> str:
    """ifFromInState and ifInState (stateMismatch); returns the target's Email state before the copy."""
    services = call.services
    from_state = services.state(args.from_account_id, "Email")
    if args.if_from_in_state is not None and args.if_from_in_state != from_state:
        raise MethodError(STATE_MISMATCH, "the from-account's state has changed since 'ifFromInState'")
    old_state: str = services.state(args.account_id, "Email")
    check_state(args.if_in_state, old_state)
    return old_state


def destroy_originals(call: CallContext, args: CopyArgs, copied: list[str]) -> tuple[str, dict[str, Any]]:
    """The implicit Email/set of RFC 8620 §5.4 on the from-account, as a (name, arguments) response."""
    set_args = {
        "accountId": args.from_account_id,
        "ifInState": args.destroy_from_if_in_state,
        "destroy": copied,
    }
    return run_email_set(call, set_args)


def email_copy(call: CallContext, args: dict[str, Any]) -> MethodOutput:
    """Email/copy; the implicit Email/set response follows when onSuccessDestroyOriginal is true."""
    parsed = parse_copy(args, call, LIMITS.max_objects_in_set)
    for creation_id, obj in parsed.create.items():
        if not is_id(obj["id"]):
            raise MethodError.invalid_arguments(f"'create/{creation_id}/id' must be an Id")
    result = CopyResult(parsed.from_account_id, parsed.account_id, old_state=_check_states(call, parsed))
    known = {m.mailbox_id for m in mailboxes.list_all(parsed.account_id)}
    sources = emails.get_many(parsed.from_account_id, list({obj["id"] for obj in parsed.create.values()}))
    copied: list[str] = []
    for creation_id, obj in parsed.create.items():
        try:
            result.created[creation_id] = _copy_one(call, parsed, obj, sources, known)
        except SetError as error:
            result.not_created[creation_id] = error
            continue
        copied.append(obj["id"])
    if copied:
        call.services.refresh(parsed.account_id)
        call.services.refresh(parsed.from_account_id)
    result.new_state = call.services.state(parsed.account_id, "Email")
    responses: list[tuple[str, dict[str, Any]]] = [("Email/copy", result.to_response())]
    if parsed.on_success_destroy_original and copied:
        responses.append(destroy_originals(call, parsed, list(dict.fromkeys(copied))))
    return responses
