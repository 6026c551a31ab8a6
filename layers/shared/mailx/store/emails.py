"""Emails' listing data, mailbox memberships and counters (RFC 8621 §2, §4.1): reads and `Txn` writes.

The Email item holds everything Email/get serves without S3 (the mime summary as JSON); one Membership
item per (mailbox, email) orders a mailbox by receivedAt for Email/query. Mailbox counters change by
ADD actions inside the same transaction as the emails they count.

DynamoDB caps an item at 400 KB, and a summary grows with the header section (6,000 To addresses
are 167 KB of message but more than that as parsed JSON). A summary over INLINE_SUMMARY_LIMIT is
kept in S3 next to the message (`blobs.summary_key`) and the item holds only SPILLED_MARKER; reading
such an Email costs one S3 GET, and only such Emails ever cost one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from mailx.store import blobs, email_index, tables
from mailx.store.models import Email, KvItem, Mailbox, Membership
from mailx.store.transactions import Txn

INGEST_MARKER_TTL = 14 * 86400  # longer than any sender's or SES's retry window
# Octets of summary JSON kept in the item; the other attributes need far less than the remaining 100 KB.
INLINE_SUMMARY_LIMIT = 300_000
SPILLED_MARKER = "spilled"


@dataclass(frozen=True)
class EmailRecord:
    """An Email as stored, without its raw octets."""

    email_id: str
    blob_id: str
    thread_id: str
    mailbox_ids: tuple[str, ...]
    keywords: tuple[str, ...]
    received_at: str  # UTCDate, whole seconds, so it sorts as text
    size: int
    summary: dict[str, Any]

    @property
    def unread(self) -> bool:
        """RFC 8621 §2: counted unread when it has neither $seen nor $draft."""
        return not ({"$seen", "$draft"} & set(self.keywords))


def load_summary(item: Email) -> dict[str, Any]:
    """The item's summary, fetched from S3 when it was too large for the item."""
    summary: dict[str, Any] = json.loads(item.summary or "{}")
    if not summary.get(SPILLED_MARKER):
        return summary
    stored = blobs.get(blobs.summary_key(item.account_id, item.blob_id))
    if stored is None:  # cannot happen unless the object was removed by hand: show the bare Email
        return {}
    spilled: dict[str, Any] = json.loads(stored.data)
    return spilled


def _stored_summary(account_id: str, record: EmailRecord) -> str:
    """The item's summary attribute; a large one goes to S3 first (before the transaction, so a
    committed item never points at nothing; an aborted one leaves an object the retry overwrites)."""
    text = json.dumps(record.summary, separators=(",", ":"))
    if len(text) <= INLINE_SUMMARY_LIMIT // 4 or len(text.encode()) <= INLINE_SUMMARY_LIMIT:
        return text
    blobs.put(blobs.summary_key(account_id, record.blob_id), text.encode(), "application/json")
    return json.dumps({"v": record.summary.get("v"), SPILLED_MARKER: True})


def _record(item: Email, *, with_summary: bool = True) -> EmailRecord:
    return EmailRecord(
        email_id=item.email_id,
        blob_id=item.blob_id,
        thread_id=item.thread_id,
        mailbox_ids=tuple(sorted(item.mailbox_ids.as_dict())) if item.mailbox_ids else (),  # type: ignore[no-untyped-call]
        keywords=tuple(sorted(item.keywords.as_dict())) if item.keywords else (),  # type: ignore[no-untyped-call]
        received_at=item.received_at,
        size=int(item.size),
        summary=load_summary(item) if with_summary else {},
    )


def _chunks(values: Sequence[str], size: int = 100) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def get_many(
    account_id: str, email_ids: Iterable[str], *, with_summary: bool = True
) -> dict[str, EmailRecord]:
    """Emails by id, one BatchGetItem per 100 ids; missing ids are absent from the result."""
    tables.bind()
    ids = sorted(set(email_ids))
    attrs = None if with_summary else ["account_id", "email_id", "blob_id", "thread_id", "mailbox_ids",
                                       "keywords", "received_at", "size"]  # fmt: skip
    found: dict[str, EmailRecord] = {}
    for chunk in _chunks(ids):
        keys = [(account_id, e) for e in chunk]
        for item in Email.batch_get(keys, consistent_read=True, attributes_to_get=attrs):
            found[item.email_id] = _record(item, with_summary=with_summary)
    return found


def get(account_id: str, email_id: str) -> EmailRecord | None:
    tables.bind()
    try:
        return _record(Email.get(account_id, email_id, consistent_read=True))
    except DoesNotExist:
        return None


def page_after(account_id: str, after: str | None, limit: int) -> list[EmailRecord]:
    """Up to LIMIT Emails in id order after the id AFTER (None: from the start): a resumable walk."""
    tables.bind()
    condition = Email.email_id > after if after else None
    query = Email.query(account_id, condition, consistent_read=True, limit=limit, page_size=limit)
    return [_record(item) for item in query]


def list_ids(account_id: str, limit: int) -> list[str]:
    """Up to LIMIT+1 email ids of the account (so callers can tell "more than LIMIT")."""
    tables.bind()
    query = Email.query(account_id, attributes_to_get=["email_id"], page_size=limit + 1, limit=limit + 1)
    return [item.email_id for item in query]


def mailbox_roles(account_id: str) -> dict[str, str | None]:
    """{mailboxId: role} of the account (one Query: an account has few mailboxes)."""
    tables.bind()
    return {
        m.mailbox_id: m.role
        for m in Mailbox.query(account_id, consistent_read=True, attributes_to_get=["mailbox_id", "role"])
    }


def member_ids(account_id: str, mailbox_id: str) -> list[str]:
    """Every email id in a mailbox (a paged Query of its membership partition; used to empty it)."""
    tables.bind()
    query = Membership.query(
        membership_key(account_id, mailbox_id), consistent_read=True, attributes_to_get=["email_id"]
    )
    return [item.email_id for item in query]


def membership_key(account_id: str, mailbox_id: str) -> str:
    return f"{account_id}#{mailbox_id}"


def write_cost(record: EmailRecord) -> int:
    """Transaction items add() or remove() spends on RECORD: Email, memberships, listing views."""
    return 1 + len(record.mailbox_ids) + len(email_index.views_of(record.mailbox_ids, record.keywords))


def stage_views(txn: Txn, record: EmailRecord, before: set[str], after: set[str]) -> None:
    """Move RECORD's listing-view items from the views BEFORE to the views AFTER (email_index)."""
    email_index.stage_views(
        txn,
        email_id=record.email_id,
        thread_id=record.thread_id,
        received_at=record.received_at,
        size=record.size,
        before=before,
        after=after,
    )


def _stage_views(txn: Txn, record: EmailRecord, *, adding: bool) -> None:
    views = email_index.views_of(record.mailbox_ids, record.keywords)
    stage_views(txn, record, set() if adding else views, views if adding else set())


def add(txn: Txn, record: EmailRecord) -> None:
    """Put the Email (failing if the id exists), its membership in each mailbox and its listing views."""
    item = Email(
        account_id=txn.account_id,
        email_id=record.email_id,
        blob_id=record.blob_id,
        thread_id=record.thread_id,
        mailbox_ids=dict.fromkeys(record.mailbox_ids, True),
        keywords=dict.fromkeys(record.keywords, True),
        received_at=record.received_at,
        size=record.size,
        summary=_stored_summary(txn.account_id, record),
    )
    txn.put(item, condition=Email.email_id.does_not_exist(), tag="email")
    txn.charge(record.size, 1)
    for mailbox_id in record.mailbox_ids:
        membership = Membership(
            key=membership_key(txn.account_id, mailbox_id),
            sort=f"{record.received_at}#{record.email_id}",
            email_id=record.email_id,
            thread_id=record.thread_id,
            size=record.size,
        )
        txn.put(membership)
    _stage_views(txn, record, adding=True)


def remove(txn: Txn, record: EmailRecord) -> None:
    """Delete the Email, its memberships and its listing views (the Email must still be as read)."""
    item = Email(account_id=txn.account_id, email_id=record.email_id)
    txn.delete(item, condition=Email.thread_id == record.thread_id, tag=f"email:{record.email_id}")
    txn.charge(-record.size, -1)
    for mailbox_id in record.mailbox_ids:
        key = membership_key(txn.account_id, mailbox_id)
        txn.delete(Membership(key=key, sort=f"{record.received_at}#{record.email_id}"))
    _stage_views(txn, record, adding=False)


def bump_counters(txn: Txn, mailbox_id: str, deltas: tuple[int, int, int, int]) -> None:
    """ADD (totalEmails, unreadEmails, totalThreads, unreadThreads) deltas; the mailbox must exist."""
    if not any(deltas):
        return
    fields = (Mailbox.total_emails, Mailbox.unread_emails, Mailbox.total_threads, Mailbox.unread_threads)
    actions: list[Action] = [attr.add(delta) for attr, delta in zip(fields, deltas, strict=True) if delta]
    item = Mailbox(account_id=txn.account_id, mailbox_id=mailbox_id)
    txn.update(item, actions, condition=Mailbox.mailbox_id.exists(), tag=f"mailbox:{mailbox_id}")


def _marker_key(account_id: str, idempotency_key: str) -> str:
    return f"{account_id}#ingest#{idempotency_key}"


def ingested(account_id: str, idempotency_key: str) -> str | None:
    """The email id an earlier ingest with this key created, if it committed (and has not expired)."""
    tables.bind()
    try:
        item = KvItem.get(_marker_key(account_id, idempotency_key), consistent_read=True)
    except DoesNotExist:
        return None
    return item.value if item.expires_at > time.time() else None


def mark_ingested(txn: Txn, idempotency_key: str, email_id: str) -> None:
    """Record the ingest in the same transaction, so a retry can never create a second Email."""
    now = int(time.time())
    item = KvItem(
        key=_marker_key(txn.account_id, idempotency_key), value=email_id, expires_at=now + INGEST_MARKER_TTL
    )
    txn.put(item, condition=KvItem.key.does_not_exist() | (KvItem.expires_at <= now), tag="idempotency")
