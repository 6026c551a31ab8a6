"""Email/set's writes (RFC 8621 §4.6), staged into a `Txn`.

An update or destroy conditions on the Email's `version` as read, so two writers can never both apply
a change computed from the same old keywords or mailboxes: the loser's transaction fails and it reads
again. Memberships and listing views move with the Email in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from mailx.store import email_index, fulltext
from mailx.store.email_reads import Versioned
from mailx.store.emails import EmailRecord, membership_key, stage_views
from mailx.store.models import Email, EmailIndexItem, Membership, Thread
from mailx.store.transactions import Txn


def _condition(found: Versioned) -> Condition:
    version = Email.version.does_not_exist() if found.version is None else Email.version == found.version
    condition: Condition = (Email.thread_id == found.record.thread_id) & version
    return condition


def _views(record: EmailRecord) -> set[str]:
    return email_index.views_of(record.mailbox_ids, record.keywords)


def update_cost(before: EmailRecord, after: EmailRecord) -> int:
    """Transaction items stage_update spends (without counters, thread and change log)."""
    boxes = len(set(before.mailbox_ids) ^ set(after.mailbox_ids))
    return 1 + boxes + len(_views(before) ^ _views(after))


def stage_update(
    txn: Txn, found: Versioned, mailbox_ids: Iterable[str], keywords: Iterable[str]
) -> EmailRecord:
    """Set the Email's mailboxes and keywords; move its memberships and views. Returns the new record."""
    before = found.record
    after = replace(
        before, mailbox_ids=tuple(sorted(set(mailbox_ids))), keywords=tuple(sorted(set(keywords)))
    )
    actions: list[Action] = [
        Email.mailbox_ids.set(dict.fromkeys(after.mailbox_ids, True)),
        Email.keywords.set(dict.fromkeys(after.keywords, True)),
        Email.version.set((found.version or 0) + 1),
    ]
    item = Email(account_id=txn.account_id, email_id=before.email_id)
    txn.update(item, actions, condition=_condition(found), tag=f"email:{before.email_id}")
    sort = email_index.sort_key(before.received_at, before.email_id)
    for mailbox_id in sorted(set(before.mailbox_ids) - set(after.mailbox_ids)):
        txn.delete(Membership(key=membership_key(txn.account_id, mailbox_id), sort=sort))
    for mailbox_id in sorted(set(after.mailbox_ids) - set(before.mailbox_ids)):
        txn.put(
            Membership(
                key=membership_key(txn.account_id, mailbox_id),
                sort=sort,
                email_id=before.email_id,
                thread_id=before.thread_id,
                size=before.size,
            )
        )
    stage_views(txn, after, _views(before), _views(after))
    return after


def stage_destroy(txn: Txn, found: Versioned) -> None:
    """Delete the Email, its memberships, listing views and search text."""
    record = found.record
    item = Email(account_id=txn.account_id, email_id=record.email_id)
    txn.delete(item, condition=_condition(found), tag=f"email:{record.email_id}")
    txn.charge(-record.size, -1)
    sort = email_index.sort_key(record.received_at, record.email_id)
    for mailbox_id in record.mailbox_ids:
        txn.delete(Membership(key=membership_key(txn.account_id, mailbox_id), sort=sort))
    stage_views(txn, record, _views(record), set())
    txn.delete(EmailIndexItem(key=f"{txn.account_id}#text", sort=record.blob_id), tag="text")
    fulltext.stage_remove(txn, email_id=record.email_id, received_at=record.received_at)


def delete_thread(txn: Txn, thread_id: str, version: int) -> None:
    """Delete a thread whose last Email goes, conditioned on the version read."""
    txn.delete(
        Thread(account_id=txn.account_id, thread_id=thread_id),
        condition=Thread.version == version,
        tag=f"thread:{thread_id}",
    )
