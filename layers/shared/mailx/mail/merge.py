"""Merging two threads a new message links (RFC 8621 §3): threadId is immutable, so moved Emails get new ids.

§3 says a server that merges threads MUST delete the Emails that change thread and reinsert them with
new ids. So each moved Email costs: delete Email + insert Email + delete and insert one membership per
mailbox (2 + 2m writes), plus one BatchGetItem per 100 moved Emails. The smaller thread moves (the
target is the larger one). Moves go in transactions of at most 100 writes; each one leaves a valid
state (two smaller threads), and the source becomes a redirect once empty, so a crash part-way leaves
two threads that the next linking message merges again.
"""

from __future__ import annotations

from dataclasses import replace

from mailx.ids import new_id
from mailx.mail.thread_placement import thread_count_deltas, with_email, without_email
from mailx.search.fields import message_terms
from mailx.store import email_index, emails, fulltext, threads, transactions
from mailx.store.emails import EmailRecord
from mailx.store.errors import Conflict
from mailx.store.threads import ThreadRecord
from mailx.store.transactions import Txn

_TXN_LIMIT = 100
_STEPS = 64


def _fixed_writes(mailboxes: int) -> int:
    # source and target threads, one counter per mailbox, Email/Thread/Mailbox change steps, account
    return 2 + mailboxes + 3 + 1


def _batch(moving: list[EmailRecord], mailbox_ids: set[str]) -> list[EmailRecord]:
    """As many of MOVING as fit in one transaction, in order."""
    chosen: list[EmailRecord] = []
    used = 0
    boxes = set(mailbox_ids)
    for record in moving:
        cost = 2 * emails.write_cost(record) + 2  # remove + add, and the index's tombstone + tail item
        boxes_after = boxes | set(record.mailbox_ids)
        if chosen and used + cost + _fixed_writes(len(boxes_after)) > _TXN_LIMIT:
            break
        chosen.append(record)
        used += cost
        boxes = boxes_after
    return chosen


def _step(account_id: str, source: ThreadRecord, target: ThreadRecord, batch: list[EmailRecord]) -> None:
    """Move BATCH from SOURCE to TARGET in one transaction (the index follows: old ids tombstoned, new
    ids in its tail with the terms of their unchanged messages)."""
    txn = Txn(account_id)
    texts = email_index.texts(account_id, [r.blob_id for r in batch])
    new_source, new_target = source, target
    created: list[str] = []
    for old in batch:
        moved = replace(old, email_id=new_id("M"), thread_id=target.thread_id)
        emails.remove(txn, old)
        emails.add(txn, moved)
        fulltext.stage_remove(txn, email_id=old.email_id, received_at=old.received_at)
        masks = message_terms(moved.summary, texts.get(moved.blob_id, {}))
        fulltext.stage_add(txn, email_id=moved.email_id, thread_id=moved.thread_id,
                           received_at=moved.received_at, masks=masks)  # fmt: skip
        created.append(moved.email_id)
        new_source = without_email(new_source, old.email_id, old.mailbox_ids, old.unread)
        new_target = with_email(
            new_target, moved.email_id, moved.received_at, moved.mailbox_ids, moved.unread
        )
    emptied = not new_source.received
    if emptied:
        new_source = ThreadRecord(source.thread_id, merged_into=target.thread_id)
    threads.put(txn, new_source, previous_version=source.version)
    threads.put(txn, new_target, previous_version=target.version)
    deltas = thread_count_deltas([source.boxes, target.boxes], [new_source.boxes, new_target.boxes])
    for mailbox_id, (total, unread) in sorted(deltas.items()):
        emails.bump_counters(txn, mailbox_id, (0, 0, total, unread))
    txn.changed("Email", created=created, destroyed=[r.email_id for r in batch])
    if emptied:
        txn.changed("Thread", updated=[target.thread_id], destroyed=[source.thread_id])
    else:
        txn.changed("Thread", updated=[source.thread_id, target.thread_id])
    if deltas:
        txn.changed("Mailbox", updated=sorted(deltas))
    states = transactions.commit(txn)
    fulltext.maybe_compact(account_id, states.get("Email", 0))


def merge(account_id: str, *, source_id: str, target_id: str) -> None:
    """Move every Email of SOURCE_ID into TARGET_ID, then leave SOURCE_ID as a redirect."""
    for _ in range(_STEPS):
        found = threads.get_many(account_id, [source_id, target_id])
        source, target = found.get(source_id), found.get(target_id)
        if source is None or target is None or source.merged_into or target.merged_into:
            return  # done already, or the other side was merged elsewhere meanwhile
        moving_ids = source.email_ids[:100]
        records = emails.get_many(account_id, moving_ids)
        moving = [records[e] for e in moving_ids if e in records and records[e].thread_id == source_id]
        if not moving:
            return  # nothing readable to move (should not happen): leave both threads valid
        try:
            _step(account_id, source, target, _batch(moving, set()))
        except Conflict:
            continue  # a concurrent ingest touched one of the threads: read both again
    raise Conflict(f"merging thread {source_id} into {target_id} did not finish")
