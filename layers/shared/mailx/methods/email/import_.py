"""RFC 8621 §4.8: Email/import — blobs into mailboxes through the one ingest path (mail.ingest).

Duplicates: the blobId is the ingest's idempotency key, so importing the same blob again answers
`alreadyExists` with the id of the Email the first import made, and a stored Email's own blob
answers with that Email; a different upload of identical octets is a new Email (docs/email-import.md).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from mailx.blobs import Blob, BlobKind, BlobMissing, find, parse_blob_id
from mailx.limits import LIMITS, MAX_MAILBOXES_PER_EMAIL, MAX_MESSAGE_SIZE
from mailx.mail.ingest import IngestError, ingest
from mailx.methods.blob.lookup import moved_email
from mailx.methods.email._keywords import keywords_from_map
from mailx.methods.email._set_create import over_quota
from mailx.methods.email.parse import is_message
from mailx.protocol.context import CallContext
from mailx.protocol.errors import INVALID_EMAIL, REQUEST_TOO_LARGE, TOO_LARGE, MethodError, SetError
from mailx.protocol.standard_set import check_state
from mailx.protocol.validate import is_id, is_id_or_creation_ref, opt_object, opt_str, parse_utc_date
from mailx.store import emails
from mailx.store.errors import OverQuota

# An import may not make a message no delivery could (SES receives up to 40 MB).
MAX_IMPORT_OCTETS = MAX_MESSAGE_SIZE
_HEADER_END = re.compile(rb"\r?\n\r?\n")


def idempotency_key(blob_id: str) -> str:
    """The ingest key of an import: one Email per blob and account (docs/email-import.md)."""
    return f"import:{blob_id}"


def received_header_date(raw: bytes) -> datetime | None:
    """The date of the topmost (most recent) Received header: RFC 8621 §4.8's default receivedAt."""
    end = _HEADER_END.search(raw)
    head = raw[: end.start() if end else len(raw)].decode("ascii", "replace")
    unfolded = re.sub(r"\r?\n[ \t]+", " ", head)
    for line in unfolded.splitlines():
        name, colon, value = line.partition(":")
        if colon and name.strip().lower() == "received":
            try:
                moment = parsedate_to_datetime(value.rpartition(";")[2].strip())
            except (TypeError, ValueError, IndexError):
                return None
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # "-0000": UTC, source unknown
    return None


class _Import:
    """One EmailImport object, validated: the SetError to answer, or what to ingest."""

    def __init__(self, call: CallContext, boxes: set[str], item: dict[str, Any]) -> None:
        self.bad: list[str] = []
        self.blob_id = self._blob_id(call, item.get("blobId"))
        self.mailbox_ids = self._mailboxes(call, boxes, item.get("mailboxIds"))
        self.keywords = self._keywords(item.get("keywords"))
        self.received_at = self._received_at(item.get("receivedAt"))

    def _blob_id(self, call: CallContext, value: Any) -> str:
        resolved = call.resolve_id(value) if is_id_or_creation_ref(value) else None
        if resolved is None:
            self.bad.append("blobId")
        return resolved or ""

    def _mailboxes(self, call: CallContext, boxes: set[str], value: Any) -> list[str]:
        if not isinstance(value, dict) or not value or len(value) > MAX_MAILBOXES_PER_EMAIL:
            self.bad.append("mailboxIds")
            return []
        resolved = [call.resolve_id(k) if is_id_or_creation_ref(k) else None for k in value]
        if any(v is not True for v in value.values()) or any(r not in boxes for r in resolved):
            self.bad.append("mailboxIds")
        return [r for r in resolved if r is not None]

    def _keywords(self, value: Any) -> list[str]:
        if value is None:
            return []
        keywords = keywords_from_map(value)
        if keywords is None:
            self.bad.append("keywords")
            return []
        return keywords

    def _received_at(self, value: Any) -> datetime | None:
        if value is None:
            return None
        try:
            return parse_utc_date(value, "receivedAt")
        except MethodError:
            self.bad.append("receivedAt")
            return None


def _read(blob: Blob) -> bytes | SetError:
    if blob.size > MAX_IMPORT_OCTETS:
        return SetError(
            TOO_LARGE, f"the message is over {MAX_IMPORT_OCTETS} octets", maxSize=MAX_IMPORT_OCTETS
        )
    try:
        raw = blob.read()
    except BlobMissing:
        return SetError.invalid_properties(["blobId"], "the blob expired while it was read")
    if not is_message(blob, raw):
        return SetError(INVALID_EMAIL, "the blob is not an RFC 5322 message (no header fields)")
    return raw


def _existing(account_id: str, blob_id: str) -> str | None:
    """The Email this blob already is, or that an earlier import of it made."""
    earlier = emails.ingested(account_id, idempotency_key(blob_id))
    if earlier is not None:
        if emails.get(account_id, earlier) is not None:
            return earlier
        moved = moved_email(account_id, earlier)  # a thread merge gave it a new id; its blobId stayed
        return moved.email_id if moved is not None else earlier
    ref = parse_blob_id(account_id, blob_id)
    if ref is not None and ref.kind is BlobKind.EMAIL and emails.get(account_id, blob_id) is not None:
        return blob_id  # the blob is a stored Email's own octets
    return None


def _import_one(call: CallContext, account_id: str, boxes: set[str], item: dict[str, Any]) -> dict[str, Any]:
    checked = _Import(call, boxes, item)
    if checked.bad:
        raise SetError.invalid_properties(sorted(set(checked.bad)), "invalid EmailImport properties")
    existing = _existing(account_id, checked.blob_id)
    if existing is not None:
        raise SetError.already_exists(existing, "this blob has already been imported")
    blob = find(account_id, checked.blob_id)
    if blob is None:
        # RFC 8621 §4.8 lists no blobNotFound for import: the blobId property is what is wrong.
        raise SetError.invalid_properties(["blobId"], f"no blob {checked.blob_id!r}")
    raw = _read(blob)
    if isinstance(raw, SetError):
        raise raw
    try:
        result = ingest(
            account_id,
            raw,
            mailbox_ids=checked.mailbox_ids,
            keywords=checked.keywords,
            received_at=checked.received_at or received_header_date(raw),
            idempotency_key=idempotency_key(checked.blob_id),
            enforce_quota=True,
        )
    except IngestError as exc:  # a mailbox destroyed since the check
        raise SetError.invalid_properties(["mailboxIds"], str(exc)) from None
    except OverQuota as exc:
        raise over_quota(exc) from None
    if not result.created:  # a concurrent import of the same blob won
        raise SetError.already_exists(result.email_id, "this blob has already been imported")
    return {
        "id": result.email_id,
        "blobId": result.blob_id,
        "threadId": result.thread_id,
        "size": result.size,
    }


def _emails(args: dict[str, Any]) -> dict[str, dict[str, Any]]:
    value = opt_object(args, "emails")
    if value is None:
        raise MethodError.invalid_arguments("'emails' is required and must be an object")
    for key, item in value.items():
        if not is_id(key) or not isinstance(item, dict):
            raise MethodError.invalid_arguments(f"'emails/{key}' must be an EmailImport under a creation id")
    if len(value) > LIMITS.max_objects_in_set:
        raise MethodError(REQUEST_TOO_LARGE, f"at most {LIMITS.max_objects_in_set} emails per call")
    return dict(value)


def email_import(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """Email/import: each EmailImport succeeds or fails on its own (one ingest transaction each)."""
    account_id = call.checked_account(args)
    if_in_state = opt_str(args, "ifInState")
    wanted = _emails(args)
    services = call.services
    services.refresh(account_id)
    old_state = services.state(account_id, "Email")
    check_state(if_in_state, old_state)
    boxes = set(emails.mailbox_roles(account_id)) if wanted else set()
    created: dict[str, dict[str, Any]] = {}
    not_created: dict[str, dict[str, Any]] = {}
    for creation_id, item in wanted.items():
        try:
            created[creation_id] = _import_one(call, account_id, boxes, item)
        except SetError as error:
            not_created[creation_id] = error.to_json()
            continue
    if created:
        services.refresh(account_id)
    return {
        "accountId": account_id,
        "oldState": old_state,
        "newState": services.state(account_id, "Email"),
        "created": created or None,
        "notCreated": not_created or None,
    }
