"""The one path into a mailbox (RFC 8621 §4): store the octets, parse once, commit one transaction.

S3 is written first (or copied server-side from where SES left the message); then one DynamoDB
transaction writes the Email, its memberships, its thread, the reference items, the exact mailbox
counters and the change log. If anything fails in between, the S3 object is an orphan nobody refers to:
harmless, and overwritten by a retry, because a retry with the same idempotency key reuses the email id.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mailx.ids import new_id
from mailx.limits import MAX_MAILBOXES_PER_EMAIL, MAX_MESSAGE_SIZE
from mailx.mail import merge, thread_placement
from mailx.mime import parse_message
from mailx.mime.preview import part_text
from mailx.mime.summary import summarise
from mailx.search.fields import message_terms
from mailx.store import accounts, blobs, email_index, emails, fulltext, quota, threads, transactions
from mailx.store.emails import EmailRecord
from mailx.store.errors import Conflict, NotFound, OverQuota
from mailx.store.retry import RetriesExhausted, with_retries
from mailx.store.threads import ThreadRecord
from mailx.store.transactions import Txn

logger = logging.getLogger("mailx.ingest")

# DynamoDB allows 100 writes per transaction; an ingest spends per mailbox a membership, a counter and up
# to two listing views (unseen, flagged), plus the Email, up to three account-wide views and 10 fixed
# writes, so 20 mailboxes (unread, flagged) still leave 6 for thread reference items (most mail: 1 mailbox,
# unread, 84).
_TXN_LIMIT = 100
_FIXED_WRITES = 10  # marker, Thread, search text, index tail, 4 change-log steps, account states, one spare


class IngestError(Exception):
    """The message cannot go where it was asked to (unknown mailbox, too many, no such address)."""


class Oversized(IngestError):
    """The object is over MAX_MESSAGE_SIZE: nothing was read beyond the GET's headers, nothing stored."""

    def __init__(self, key: str, size: int) -> None:
        super().__init__(f"{key} is {size} octets, over the {MAX_MESSAGE_SIZE}-octet limit")
        self.key = key
        self.size = size


@dataclass(frozen=True)
class IngestResult:
    """What ingest made (or found, when `created` is False because the key was seen before)."""

    email_id: str
    blob_id: str
    thread_id: str
    size: int
    created: bool
    over_quota: tuple[str, ...] = ()  # quotas this (inbound, unenforced) ingest left over their hard limit


def _received_at(value: datetime | None) -> str:
    # Whole seconds in UTC: the text form then sorts like the time, which membership keys rely on.
    moment = (value or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _email_id(account_id: str, idempotency_key: str | None) -> str:
    if idempotency_key is None:
        return new_id("M")
    digest = hashlib.sha256(f"{account_id}\0{idempotency_key}".encode()).hexdigest()
    return "M" + digest[:26]


def _store_raw(account_id: str, email_id: str, raw: bytes | str) -> bytes:
    """Write the octets byte-exact (or copy a key already in the bucket) and return them for parsing."""
    key = blobs.email_key(account_id, email_id)
    if isinstance(raw, bytes):
        blobs.put(key, raw, "message/rfc822")
        return raw
    stored = blobs.get_at_most(raw, MAX_MESSAGE_SIZE)  # the one S3 read: parsing needs the octets
    if stored is None:
        raise IngestError(f"no object at {raw!r}")
    if isinstance(stored, int):
        raise Oversized(raw, stored)
    blobs.copy(raw, key)  # server-side: the octets do not travel through Lambda a second time
    return stored.data


def _existing(account_id: str, email_id: str) -> IngestResult:
    found = emails.get(account_id, email_id)
    if found is None:  # moved to a new id by a later thread merge: the ingest still happened once
        return IngestResult(email_id, email_id, "", 0, created=False)
    return IngestResult(found.email_id, found.blob_id, found.thread_id, found.size, created=False)


def parse(raw: bytes, blob_id: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Parse once: the stored summary, and the search text (docs/search.md): the body as plain text
    (every text part of the body, HTML reduced, up to BODY_LIMIT characters) and attachment names."""
    message = parse_message(raw)
    parts: list[str] = []
    used = 0
    for part in message.text_body:
        if used >= email_index.BODY_LIMIT:
            break
        parts.append(part_text(part, max_octets=4 * email_index.BODY_LIMIT))
        used += len(parts[-1])
    names = [part.name for part in message.attachments if part.name]
    stored = {"body": "\n".join(parts)[: email_index.BODY_LIMIT], "attachments": "\n".join(names)}
    return summarise(message, blob_id=blob_id), stored


def _transaction(
    account_id: str,
    record: EmailRecord,
    placement: thread_placement.Placement,
    idempotency_key: str | None,
    text: dict[str, str],
    masks: dict[str, int],
) -> Txn:
    """The one transaction of an ingest: every write, every counter and every change-log step."""
    target = placement.target
    txn = Txn(account_id)
    before = target or ThreadRecord(record.thread_id)
    after = thread_placement.with_email(
        before, record.email_id, record.received_at, record.mailbox_ids, record.unread
    )
    if idempotency_key is not None:
        emails.mark_ingested(txn, idempotency_key, record.email_id)
    emails.add(txn, record)
    email_index.put_text(txn, record.blob_id, text)
    fulltext.stage_add(txn, email_id=record.email_id, thread_id=record.thread_id,
                       received_at=record.received_at, masks=masks)  # fmt: skip
    threads.put(txn, after, previous_version=target.version if target else None)
    thread_deltas = thread_placement.thread_count_deltas([before.boxes], [after.boxes])
    for mailbox_id in record.mailbox_ids:
        total, unread = thread_deltas.get(mailbox_id, (0, 0))
        emails.bump_counters(txn, mailbox_id, (1, int(record.unread), total, unread))
    budget = _TXN_LIMIT - _FIXED_WRITES - emails.write_cost(record) - len(record.mailbox_ids)
    wanted = [k for k in placement.keys if placement.refs.get(k) != record.thread_id][:budget]
    threads.put_refs(txn, {k: (record.thread_id, placement.refs.get(k)) for k in wanted})
    txn.changed("Email", created=[record.email_id])
    if target is None:
        txn.changed("Thread", created=[record.thread_id])
    else:
        txn.changed("Thread", updated=[record.thread_id])
    txn.changed("Mailbox", updated=list(record.mailbox_ids))
    txn.changed("EmailDelivery")
    return txn


def _check_mailboxes(mailbox_ids: Iterable[str]) -> tuple[str, ...]:
    ids = tuple(sorted(set(mailbox_ids)))
    if not ids:
        raise IngestError("an Email must be in at least one mailbox")
    if len(ids) > MAX_MAILBOXES_PER_EMAIL:
        raise IngestError(f"at most {MAX_MAILBOXES_PER_EMAIL} mailboxes per Email")
    return ids


def ingest(
    account_id: str,
    raw: bytes | str,
    *,
    mailbox_ids: Iterable[str],
    keywords: Iterable[str] = (),
    received_at: datetime | None = None,
    idempotency_key: str | None = None,
    enforce_quota: bool = False,
) -> IngestResult:
    """Put a message into mailboxes of one account. RAW is the octets, or the key of an object
    already in the bucket (SES's inbound/ drop), which is then copied server-side.

    With ENFORCE_QUOTA (the JMAP methods that add mail) a message that would take the account past a
    hard quota limit raises OverQuota and nothing is committed; inbound delivery leaves it off, so
    mail from outside is stored whatever the usage (docs/quotas.md).

    A retry with the same IDEMPOTENCY_KEY returns the first result with created=False.
    Raises IngestError for an unknown or excessive mailbox list, Oversized for a key whose object is
    over MAX_MESSAGE_SIZE (octets passed in are the caller's to bound).
    """
    boxes = _check_mailboxes(mailbox_ids)
    if idempotency_key is not None:
        done = emails.ingested(account_id, idempotency_key)
        if done is not None:
            return _existing(account_id, done)
    if enforce_quota and isinstance(raw, bytes):
        _check_room(account_id, len(raw))  # before the S3 write; the commit decides for certain
    email_id = _email_id(account_id, idempotency_key)
    data = _store_raw(account_id, email_id, raw)
    summary, text = parse(data, email_id)
    masks = message_terms(summary, text)  # once: a retry after a conflict does not tokenize again
    size = len(data)
    del data  # the summary is all we keep; a 40 MB message must not stay alive twice
    moment = _received_at(received_at)
    words = tuple(sorted({k.lower() for k in keywords}))

    def attempt() -> IngestResult:
        placement = thread_placement.place(account_id, summary)
        target = placement.target
        thread_id = target.thread_id if target else new_id("T")
        record = EmailRecord(email_id, email_id, thread_id, boxes, words, moment, size, summary)
        txn = _transaction(account_id, record, placement, idempotency_key, text, masks)
        txn.enforce_quota = enforce_quota
        try:
            states = transactions.commit(txn)
        except Conflict as exc:
            tag = str(exc)
            if tag in ("email", "idempotency"):  # a concurrent retry of the same delivery won
                return _existing(account_id, email_id)
            if tag.startswith("mailbox:"):
                raise IngestError(f"unknown mailbox {tag.partition(':')[2]}") from None
            # Another writer changed the same thread or reference (a flag change on a busy thread does):
            # read again after a jittered pause, or the same writers win every immediate retry.
            raise
        fulltext.maybe_compact(account_id, states.get("Email", 0))
        _merge_linked(account_id, thread_id, placement.others)
        return IngestResult(email_id, email_id, thread_id, size, created=True, over_quota=txn.over_quota)

    try:
        return with_retries(attempt)
    except RetriesExhausted as exc:
        raise Conflict(f"ingest of {email_id}: too many concurrent changes to its thread") from exc


def _check_room(account_id: str, size: int) -> None:
    """OverQuota now if one more message of SIZE octets cannot fit, so no orphan object is written."""
    view, _ = quota.read(account_id)
    growth: dict[quota.Resource, int] = {"octets": size, "count": 1}
    for resource, delta in growth.items():
        used, limit = view.used[resource], view.limits[resource].hard
        if used + delta > limit:
            raise OverQuota(resource, used, delta, limit)


def _merge_linked(account_id: str, thread_id: str, others: list[str]) -> None:
    # The Email is committed; a failed merge leaves two valid threads that the next message linking
    # them merges again, so it is logged rather than failing (and retrying) the delivery.
    for other in others:
        try:
            merge.merge(account_id, source_id=other, target_id=thread_id)
        except Exception:
            logger.exception("merging thread %s into %s failed; a later message retries", other, thread_id)


def ingest_into_inbox(address: str, raw: bytes | str, *, idempotency_key: str | None = None) -> IngestResult:
    """Ingest into the Inbox of the account an assigned address (or username) belongs to."""
    account_id = accounts.find_by_login(address)
    if account_id is None:
        raise IngestError(f"no account for {address!r}")
    roles = emails.mailbox_roles(account_id)
    inbox = next((m for m, role in sorted(roles.items()) if role == "inbox"), None)
    if inbox is None:
        raise NotFound(f"account {account_id} has no inbox")
    return ingest(account_id, raw, mailbox_ids=[inbox], idempotency_key=idempotency_key)
