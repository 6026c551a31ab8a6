"""Threads and thread-reference items (RFC 8621 §3): reads, and the writes a `Txn` carries.

A Thread item keeps its emails sorted by receivedAt and, per mailbox, how many of its emails (and
unread emails) are there, so the exact mailbox thread counters can be kept without scanning. A thread
merged into another stays behind as a redirect (`merged_into`) so old reference items still lead
somewhere; it is not a JMAP Thread any more.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from pynamodb.expressions.condition import Condition

from mailx.store import tables
from mailx.store.models import Thread, ThreadRef
from mailx.store.transactions import Txn

Counts = dict[str, tuple[int, int]]  # mailboxId -> (emails, unread emails) of one thread
_MAX_ID_KEY = 900  # DynamoDB keys may be 2048 bytes; absurdly long message ids are hashed


@dataclass(frozen=True)
class ThreadRecord:
    """A thread as stored; `version` is what the next write must condition on."""

    thread_id: str
    received: dict[str, str] = field(default_factory=dict)  # emailId -> receivedAt
    boxes: Counts = field(default_factory=dict)
    version: int = 0
    merged_into: str | None = None

    @property
    def email_ids(self) -> list[str]:
        """RFC 8621 §3: oldest first; equal dates ordered by id, which is stable."""
        return [e for _, e in sorted((r, e) for e, r in self.received.items())]


def ref_key(account_id: str, base_subject: str, message_id: str) -> str:
    """The reference item key: §3 joins messages sharing a message id AND a base subject."""
    digest = hashlib.sha256(base_subject.casefold().encode()).hexdigest()[:16]
    if len(message_id.encode()) > _MAX_ID_KEY:
        message_id = "sha256:" + hashlib.sha256(message_id.encode()).hexdigest()
    return f"{account_id}#{digest}#{message_id}"


def _record(item: Thread) -> ThreadRecord:
    boxes = {k: (int(v[0]), int(v[1])) for k, v in json.loads(item.boxes or "{}").items()}
    return ThreadRecord(
        thread_id=item.thread_id,
        received=dict(json.loads(item.received or "{}")),
        boxes=boxes,
        version=int(item.version or 0),
        merged_into=item.merged_into,
    )


def _chunks(values: list[str], size: int = 100) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def lookup_refs(keys: Iterable[str]) -> dict[str, str]:
    """{ref key: thread id} for the keys that exist (one BatchGetItem per 100 keys)."""
    tables.bind()
    found: dict[str, str] = {}
    for chunk in _chunks(sorted(set(keys))):
        for item in ThreadRef.batch_get(chunk, consistent_read=True):
            found[item.key] = item.thread_id
    return found


def get_many(account_id: str, thread_ids: Iterable[str]) -> dict[str, ThreadRecord]:
    """Threads (and redirects) by id; missing ids are absent (one BatchGetItem per 100 ids)."""
    tables.bind()
    found: dict[str, ThreadRecord] = {}
    for chunk in _chunks(sorted(set(thread_ids))):
        for item in Thread.batch_get([(account_id, t) for t in chunk], consistent_read=True):
            found[item.thread_id] = _record(item)
    return found


def list_ids(account_id: str, limit: int) -> list[str]:
    """Up to LIMIT live thread ids of the account (a Query on its partition, for /get with ids null)."""
    tables.bind()
    ids: list[str] = []
    for item in Thread.query(account_id, consistent_read=True, page_size=limit + 1):
        if item.merged_into is None:
            ids.append(item.thread_id)
            if len(ids) > limit:
                break
    return ids


def _version_condition(previous: int | None) -> Condition:
    if previous is None:
        return Thread.thread_id.does_not_exist()
    return Thread.version == previous


def put(txn: Txn, record: ThreadRecord, *, previous_version: int | None) -> None:
    """Write RECORD (version +1), failing the transaction if someone wrote the thread meanwhile."""
    boxes = {k: list(v) for k, v in sorted(record.boxes.items()) if v[0] > 0}
    item = Thread(
        account_id=txn.account_id,
        thread_id=record.thread_id,
        email_ids=record.email_ids,
        received=json.dumps(record.received, sort_keys=True),
        boxes=json.dumps(boxes),
        version=(previous_version or 0) + 1,
        merged_into=record.merged_into,
    )
    txn.put(item, condition=_version_condition(previous_version), tag=f"thread:{record.thread_id}")


def put_refs(txn: Txn, refs: dict[str, tuple[str, str | None]]) -> None:
    """Point each ref key at a thread: {key: (new thread id, thread id read or None if absent)}."""
    for key, (thread_id, seen) in sorted(refs.items()):
        if seen == thread_id:
            continue
        condition = ThreadRef.key.does_not_exist() if seen is None else ThreadRef.thread_id == seen
        txn.put(ThreadRef(key=key, thread_id=thread_id), condition=condition, tag=f"ref:{key}")
