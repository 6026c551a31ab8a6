"""`mailx reindex`: rebuild an account's full-text index from its stored messages (docs/search.md).

One call indexes one batch of Emails in id order and returns the cursor to continue from; the first
call (no cursor) forgets the old index first. Each batch reads every message from S3 once, stores its
search text, puts its terms into the index's tail and compacts. Running it again from the start gives
the same index (idempotent); a cursor resumes an interrupted run.
"""

from __future__ import annotations

from typing import Any

from mailx.mail import ingest
from mailx.search.fields import message_terms
from mailx.store import blobs, emails, fulltext, quota
from mailx.store.email_index import write_texts

BATCH = 100  # messages per call: about 100 S3 GETs and parses, well inside API Gateway's 30 s
MAX_BATCH = 500


def reindex(account_id: str, cursor: str | None, batch: int = BATCH) -> dict[str, Any]:
    """Index the Emails after CURSOR (all of them from the start when None); the next cursor or None."""
    if cursor is None:
        fulltext.reset(account_id)
    size = max(1, min(batch, MAX_BATCH))
    records = emails.page_after(account_id, cursor, size)
    texts: dict[str, dict[str, str]] = {}
    docs: list[fulltext.TailDoc] = []
    for record in records:
        stored = blobs.get(blobs.email_key(account_id, record.blob_id))
        if stored is None:  # the octets are gone (cannot happen short of manual deletion): headers only
            text: dict[str, str] = {}
        else:
            _, text = ingest.parse(stored.data, record.blob_id)
            texts[record.blob_id] = text
        masks = message_terms(record.summary, text)
        key = fulltext.doc_key(record.received_at, record.email_id)
        docs.append(fulltext.TailDoc(key, record.email_id, record.thread_id, masks))
    write_texts(account_id, texts)
    fulltext.write_tail(account_id, docs)
    while fulltext.compact(account_id, at_least=0):
        pass
    view, _ = quota.read(account_id)
    more = len(records) == size
    return {"accountId": account_id, "indexed": len(records), "emails": view.used["count"],
            "next": records[-1].email_id if more and records else None}  # fmt: skip
