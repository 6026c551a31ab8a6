"""RFC 9404 §4.3: Blob/lookup — which Emails, Threads and Mailboxes reference each blob.

A message's blobId is the id its Email was given at ingest and a part's blobId starts with it, so the
Emails are one BatchGetItem away. An Email a thread merge moved to a new id keeps its blobId; when the
id no longer names an Email but the message is still stored, the Email is found through the threads
its Message-IDs lead to (one S3 read, a few reads more), the way the next message would find them.
An upload blob is referenced by nothing: it answers empty lists; a blob that does not exist in the
account (another account's included) is `notFound`.
"""

from __future__ import annotations

from typing import Any

from mailx.blobs import BlobKind, BlobRef, find, parse_blob_id
from mailx.limits import LIMITS
from mailx.mail import thread_placement
from mailx.mime import email_summary
from mailx.mime.render import leaf_index
from mailx.protocol.capabilities import MAIL
from mailx.protocol.context import CallContext
from mailx.protocol.errors import REQUEST_TOO_LARGE, UNKNOWN_DATA_TYPE, MethodError
from mailx.protocol.validate import invalid, is_id_or_creation_ref
from mailx.store import blobs as store
from mailx.store import emails
from mailx.store.emails import EmailRecord

# The types this server can say reference a blob, with the capability each needs in `using`.
TYPE_CAPABILITIES = {"Mailbox": MAIL, "Thread": MAIL, "Email": MAIL}


def _type_names(call: CallContext, args: dict[str, Any]) -> list[str]:
    value = args.get("typeNames")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid("'typeNames' is required and must be an array of type names")
    for name in value:
        if TYPE_CAPABILITIES.get(name) not in call.request.using:
            raise MethodError(UNKNOWN_DATA_TYPE, f"{name!r} is not a type this request can look blobs up in")
    return list(dict.fromkeys(value))


def _ids(args: dict[str, Any]) -> list[str]:
    value = args.get("ids")
    if not isinstance(value, list) or not all(is_id_or_creation_ref(v) for v in value):
        raise invalid("'ids' is required and must be an array of Ids")
    if len(value) > LIMITS.max_objects_in_get:
        raise MethodError(REQUEST_TOO_LARGE, f"at most {LIMITS.max_objects_in_get} ids per call")
    return list(dict.fromkeys(value))


def email_id_of(ref: BlobRef) -> str | None:
    """The id the message behind REF was ingested as, or None for an upload (or a part of one)."""
    message_id = ref.blob_id.partition("_")[0] if ref.kind is BlobKind.PART else ref.blob_id
    return None if ref.kind is BlobKind.UPLOAD or message_id.startswith("B") else message_id


def moved_email(account_id: str, blob_id: str, *, with_summary: bool = False) -> EmailRecord | None:
    """The Email whose message is BLOB_ID after a thread merge gave it a new id (None if none)."""
    stored = store.get(store.email_key(account_id, blob_id))
    if stored is None:
        return None
    placement = thread_placement.place(account_id, email_summary(stored.data, blob_id=blob_id))
    candidates = [e for thread in placement.linked.values() for e in thread.email_ids]
    found = emails.get_many(account_id, candidates, with_summary=with_summary)
    return next((r for r in found.values() if r.blob_id == blob_id), None)


def _has_part(record: EmailRecord, ref: BlobRef) -> bool:
    """Whether the part a part blobId names is in the Email (nested paths: the attached message is)."""
    first = (ref.part_id or "").split("_")[0]
    part = leaf_index(record.summary).get(first)
    if part is None:
        return False
    return first == ref.part_id or str(part.get("type", "")).startswith("message/")


def _records(account_id: str, refs: list[BlobRef]) -> dict[str, EmailRecord]:
    """The Emails the refs name, keyed by the id their message was ingested as."""
    wanted = {e for e in (email_id_of(r) for r in refs) if e is not None}
    parts = any(r.kind is BlobKind.PART for r in refs)
    found = emails.get_many(account_id, wanted, with_summary=parts)
    for email_id in sorted(wanted - set(found)):
        moved = moved_email(account_id, email_id, with_summary=parts)
        if moved is not None:
            found[email_id] = moved
    return found


def _entry(ref: BlobRef, records: dict[str, EmailRecord]) -> tuple[bool, EmailRecord | None]:
    """(exists, the Email referencing it) for one blob."""
    email_id = email_id_of(ref)
    if email_id is None:  # an upload, or a part cut from one: referenced by nothing stored
        return find(ref.account_id, ref.blob_id) is not None, None
    record = records.get(email_id)
    if record is None or (ref.kind is BlobKind.PART and not _has_part(record, ref)):
        return False, None
    return True, record


def _matches(record: EmailRecord | None, type_names: list[str]) -> dict[str, list[str]]:
    ids: dict[str, list[str]] = {
        "Email": [record.email_id] if record else [],
        "Thread": [record.thread_id] if record else [],
        "Mailbox": sorted(record.mailbox_ids) if record else [],
    }
    return {name: ids[name] for name in type_names}


def blob_lookup(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """Blob/lookup: one BatchGetItem for the Emails; a HEAD per upload blob to tell it exists."""
    account_id = call.checked_account(args)
    type_names = _type_names(call, args)
    given = _ids(args)
    refs: dict[str, BlobRef] = {}
    not_found: list[str] = []
    for blob_id in given:
        resolved = call.resolve_id(blob_id)
        ref = None if resolved is None else parse_blob_id(account_id, resolved)
        if ref is None:
            not_found.append(blob_id)
        else:
            refs[blob_id] = ref
    records = _records(account_id, list(refs.values())) if refs else {}
    listed: list[dict[str, Any]] = []
    for blob_id, ref in refs.items():
        exists, record = _entry(ref, records)
        if exists:
            listed.append({"id": blob_id, "matchedIds": _matches(record, type_names)})
        else:
            not_found.append(blob_id)
    return {"accountId": account_id, "list": listed, "notFound": not_found}
