"""RFC 8621 §4.6 Email/set destroy: the Email, its memberships, views, search text, full-text tombstone,
thread and counters.

One transaction removes the Email and everything that lists it, takes it out of its thread (deleting
the thread when it was the last Email), moves the mailbox counters and logs Email, Thread and Mailbox
changes. The raw message in S3 is deleted after the commit: a crash in between leaves an orphan object
nothing refers to, never an Email without its octets.
"""

from __future__ import annotations

from mailx.mail.thread_placement import without_email
from mailx.methods.email._update import counter_deltas
from mailx.store import blobs, email_writes, emails, threads
from mailx.store.email_reads import Versioned
from mailx.store.threads import ThreadRecord
from mailx.store.transactions import Txn


def stage(txn: Txn, found: Versioned, thread: ThreadRecord | None) -> None:
    """Stage the destroy of one Email whose thread (if any survives) is THREAD."""
    record = found.record
    email_writes.stage_destroy(txn, found)
    txn.changed("Email", destroyed=[record.email_id])
    gone = emails.EmailRecord(
        record.email_id, record.blob_id, record.thread_id, (), record.keywords, record.received_at, 0, {}
    )
    if thread is None:
        deltas = counter_deltas(record, gone, {}, {})
    else:
        after = without_email(thread, record.email_id, record.mailbox_ids, record.unread)
        deltas = counter_deltas(record, gone, thread.boxes, after.boxes)
        if after.received:
            threads.put(txn, after, previous_version=thread.version)
            txn.changed("Thread", updated=[thread.thread_id])
        else:
            email_writes.delete_thread(txn, thread.thread_id, thread.version)
            txn.changed("Thread", destroyed=[thread.thread_id])
    for mailbox_id, delta in deltas.items():
        emails.bump_counters(txn, mailbox_id, delta)
    if deltas:
        txn.changed("Mailbox", updated=list(deltas))


def delete_octets(account_id: str, found: Versioned) -> None:
    """After the commit: the stored message goes too, with the large summary and search text kept
    beside it when there are any (one DeleteObjects)."""
    blob_id = found.record.blob_id
    blobs.delete_many([blobs.email_key(account_id, blob_id), blobs.summary_key(account_id, blob_id),
                       blobs.search_text_key(account_id, blob_id)])  # fmt: skip
