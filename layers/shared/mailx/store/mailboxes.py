"""Mailboxes (RFC 8621 §2): reading an account's mailboxes and staging their writes in a Txn.

Reading every mailbox of an account is one Query on its partition (a mailbox list is small). Writes are
staged into a `states.Txn`, so they commit in the same transaction that bumps the Mailbox state and logs
the change; other writers (Email ingest, for the counters) can add their writes to the same Txn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.expressions.update import Action

from mailx.store import tables
from mailx.store.models import Mailbox
from mailx.store.transactions import Txn

TYPE_NAME = "Mailbox"
TREE_GUARD = "mailboxes"  # states.GUARDS: moved by every Mailbox/set commit


@dataclass(frozen=True)
class MailboxRecord:
    """One mailbox as the store holds it; the counters are exact and maintained on every write."""

    mailbox_id: str
    name: str
    parent_id: str | None = None
    role: str | None = None
    sort_order: int = 0
    is_subscribed: bool = True
    total_emails: int = 0
    unread_emails: int = 0
    total_threads: int = 0
    unread_threads: int = 0


def _record(item: Mailbox) -> MailboxRecord:
    return MailboxRecord(
        mailbox_id=item.mailbox_id,
        name=item.name,
        parent_id=item.parent_id,
        role=item.role,
        sort_order=int(item.sort_order or 0),
        is_subscribed=bool(item.is_subscribed),
        total_emails=int(item.total_emails or 0),
        unread_emails=int(item.unread_emails or 0),
        total_threads=int(item.total_threads or 0),
        unread_threads=int(item.unread_threads or 0),
    )


def list_all(account_id: str) -> list[MailboxRecord]:
    """Every mailbox of the account, ordered by id (one strongly consistent Query, never a Scan)."""
    tables.bind()
    return [_record(item) for item in Mailbox.query(account_id, consistent_read=True)]


def stage_create(txn: Txn, record: MailboxRecord) -> None:
    """Add a new mailbox (its counters start at zero); the id must not exist yet."""
    item = Mailbox(
        account_id=txn.account_id,
        mailbox_id=record.mailbox_id,
        name=record.name,
        parent_id=record.parent_id,
        role=record.role,
        sort_order=record.sort_order,
        is_subscribed=record.is_subscribed,
        total_emails=0,
        unread_emails=0,
        total_threads=0,
        unread_threads=0,
    )
    txn.put(item, condition=Mailbox.mailbox_id.does_not_exist(), tag=f"create:{record.mailbox_id}")
    txn.changed(TYPE_NAME, created=[record.mailbox_id])


def _set_or_remove(attribute: Any, value: Any) -> Action:
    action: Action = attribute.remove() if value is None else attribute.set(value)
    return action


def stage_update(txn: Txn, before: MailboxRecord, after: MailboxRecord) -> None:
    """Write the client-settable properties that differ; counters are never overwritten here."""
    actions: list[Action] = []
    if before.name != after.name:
        actions.append(Mailbox.name.set(after.name))
    if before.parent_id != after.parent_id:
        actions.append(_set_or_remove(Mailbox.parent_id, after.parent_id))
    if before.role != after.role:
        actions.append(_set_or_remove(Mailbox.role, after.role))
    if before.sort_order != after.sort_order:
        actions.append(Mailbox.sort_order.set(after.sort_order))
    if before.is_subscribed != after.is_subscribed:
        actions.append(Mailbox.is_subscribed.set(after.is_subscribed))
    if not actions:
        return
    item = Mailbox(account_id=txn.account_id, mailbox_id=before.mailbox_id)
    txn.update(item, actions, Mailbox.mailbox_id.exists(), tag=f"update:{before.mailbox_id}")
    txn.changed(TYPE_NAME, updated=[before.mailbox_id])


def stage_destroy(txn: Txn, mailbox_id: str, *, require_empty: bool) -> None:
    """Delete a mailbox; with REQUIRE_EMPTY the write fails (Conflict) if mail arrived meanwhile."""
    condition = Mailbox.mailbox_id.exists()
    if require_empty:
        condition = condition & ((Mailbox.total_emails == 0) | Mailbox.total_emails.does_not_exist())
    item = Mailbox(account_id=txn.account_id, mailbox_id=mailbox_id)
    txn.delete(item, condition=condition, tag=f"destroy:{mailbox_id}")
    txn.changed(TYPE_NAME, destroyed=[mailbox_id])


def stage_transient(txn: Txn, mailbox_id: str) -> None:
    """Log a mailbox created and destroyed by the same call: no item is written, but /set reported it."""
    txn.changed(TYPE_NAME, created=[mailbox_id], destroyed=[mailbox_id])


def stage_counts(
    txn: Txn,
    mailbox_id: str,
    *,
    total_emails: int = 0,
    unread_emails: int = 0,
    total_threads: int = 0,
    unread_threads: int = 0,
) -> None:
    """Adjust a mailbox's counters by the given deltas (for the Email writes that move mail).

    The counts are part of the Mailbox object, so the Mailbox state moves with them (RFC 8621 §2.2).
    """
    deltas = (
        (Mailbox.total_emails, total_emails),
        (Mailbox.unread_emails, unread_emails),
        (Mailbox.total_threads, total_threads),
        (Mailbox.unread_threads, unread_threads),
    )
    actions: list[Action] = [attribute.add(delta) for attribute, delta in deltas if delta]
    if not actions:
        return
    item = Mailbox(account_id=txn.account_id, mailbox_id=mailbox_id)
    txn.update(item, actions, Mailbox.mailbox_id.exists(), tag=f"counts:{mailbox_id}")
    txn.changed(TYPE_NAME, updated=[mailbox_id])
