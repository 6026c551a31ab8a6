"""Thread assignment (RFC 8621 §3, RFC 5256 base subject): which thread a new message joins.

Two messages share a thread when a message id appears in both (Message-ID, In-Reply-To or References)
and their base subjects are equal. Every message writes a reference item for each such id, keyed by id
and base subject, pointing at its thread; so the threads of a set of messages are the connected groups
of that relation whatever the arrival order: a parent arriving after its child finds the child's item
for its own Message-ID, and a message whose ids lead to several threads joins them (see merge.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from mailx.mime import thread_keys
from mailx.store import threads
from mailx.store.threads import Counts, ThreadRecord

_MAX_REDIRECT_HOPS = 16


@dataclass(frozen=True)
class Placement:
    """Where a new message goes: the live threads its ids lead to, and what each ref key held."""

    keys: tuple[str, ...]  # ref keys, most significant first (own ids, parents, older ancestors)
    refs: dict[str, str]  # ref key -> thread id as stored (possibly a redirect)
    linked: dict[str, ThreadRecord]  # live threads reached, by id

    @property
    def target(self) -> ThreadRecord | None:
        """The thread to join: the largest reached (fewest emails to move), ties by smallest id."""
        if not self.linked:
            return None
        return min(self.linked.values(), key=lambda t: (-len(t.received), t.thread_id))

    @property
    def others(self) -> list[str]:
        """Threads to merge into the target afterwards, in a fixed order."""
        target = self.target
        return sorted(t for t in self.linked if target is None or t != target.thread_id)


def ref_keys(account_id: str, summary: dict[str, Any]) -> tuple[str, ...]:
    """The message's ref keys: its own ids, then In-Reply-To, then References nearest first."""
    keys = thread_keys(summary)
    ordered = [*keys.message_ids, *keys.in_reply_to, *reversed(keys.references)]
    ids = dict.fromkeys(i for i in ordered if i)
    return tuple(threads.ref_key(account_id, keys.base_subject, i) for i in ids)


def _resolve(account_id: str, thread_ids: Iterable[str]) -> tuple[dict[str, ThreadRecord], dict[str, str]]:
    """Follow redirects left by merges; returns (live threads, {any id seen: its live id})."""
    live: dict[str, ThreadRecord] = {}
    alias: dict[str, str] = {}
    pending = set(thread_ids)
    chains: dict[str, str] = {}
    for _ in range(_MAX_REDIRECT_HOPS):
        if not pending:
            break
        found = threads.get_many(account_id, pending)
        pending = set()
        for thread_id, record in found.items():
            if record.merged_into is None:
                live[thread_id] = record
            else:
                chains[thread_id] = record.merged_into
                if record.merged_into not in live and record.merged_into not in chains:
                    pending.add(record.merged_into)
    for start in [*live, *chains]:
        current = start
        while current in chains:
            current = chains[current]
        if current in live:
            alias[start] = current
    return live, alias


def place(account_id: str, summary: dict[str, Any]) -> Placement:
    """Read the reference items and threads a new message touches (two BatchGetItems usually)."""
    keys = ref_keys(account_id, summary)
    refs = threads.lookup_refs(keys) if keys else {}
    live, alias = _resolve(account_id, refs.values())
    linked = {alias[t]: live[alias[t]] for t in refs.values() if t in alias}
    return Placement(keys=keys, refs=refs, linked=linked)


def with_email(
    thread: ThreadRecord, email_id: str, received_at: str, mailbox_ids: Iterable[str], unread: bool
) -> ThreadRecord:
    """THREAD after adding one email."""
    boxes = dict(thread.boxes)
    for mailbox_id in mailbox_ids:
        total, unread_count = boxes.get(mailbox_id, (0, 0))
        boxes[mailbox_id] = (total + 1, unread_count + int(unread))
    return replace(thread, received={**thread.received, email_id: received_at}, boxes=boxes)


def without_email(
    thread: ThreadRecord, email_id: str, mailbox_ids: Iterable[str], unread: bool
) -> ThreadRecord:
    """THREAD after removing one email."""
    boxes = dict(thread.boxes)
    for mailbox_id in mailbox_ids:
        total, unread_count = boxes.get(mailbox_id, (0, 0))
        boxes[mailbox_id] = (max(0, total - 1), max(0, unread_count - int(unread)))
    received = {e: r for e, r in thread.received.items() if e != email_id}
    return replace(thread, received=received, boxes=boxes)


def thread_count_deltas(before: Iterable[Counts], after: Iterable[Counts]) -> dict[str, tuple[int, int]]:
    """{mailboxId: (totalThreads delta, unreadThreads delta)} when threads change from BEFORE to AFTER.

    RFC 8621 §2: a thread counts once in a mailbox holding any of its emails, and as unread there when
    one of those emails is unread (the "simplest" unreadThreads the RFC allows); so a counter moves
    only when a thread's per-mailbox count crosses zero.
    """
    deltas: dict[str, list[int]] = {}
    for sign, side in ((-1, before), (1, after)):
        for counts in side:
            for mailbox_id, (total, unread) in counts.items():
                entry = deltas.setdefault(mailbox_id, [0, 0])
                entry[0] += sign * int(total > 0)
                entry[1] += sign * int(unread > 0)
    return {m: (d[0], d[1]) for m, d in deltas.items() if d != [0, 0]}
