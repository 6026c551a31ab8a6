"""RFC 8621 §4.6 Email/set update: `keywords` and `mailboxIds`, whole or by patch, in one transaction.

The transaction moves the Email's memberships and listing views, rewrites its thread's per-mailbox
counts when they change, moves the mailbox counters by exact deltas (RFC 8621 §2) and logs Email and
Mailbox changes. It conditions on the Email's version and the thread's version as read.
"""

from __future__ import annotations

from typing import Any

from mailx.limits import MAX_MAILBOXES_PER_EMAIL
from mailx.mail.thread_placement import thread_count_deltas, with_email, without_email
from mailx.methods.email._keywords import is_flag, is_keyword
from mailx.protocol.context import CallContext
from mailx.protocol.errors import INVALID_PATCH, TOO_MANY_KEYWORDS, TOO_MANY_MAILBOXES, SetError
from mailx.protocol.patch import parse_patch
from mailx.store import email_writes, emails, threads
from mailx.store.email_reads import Versioned
from mailx.store.threads import Counts, ThreadRecord
from mailx.store.transactions import Txn

MAX_KEYWORDS = 100  # keywords live in the Email item; far beyond any client's use
MUTABLE = frozenset({"keywords", "mailboxIds"})
_TXN_LIMIT = 100
_FIXED = 5  # thread, Email and Mailbox change-log steps, account states, one spare


def _entry(call: CallContext, prop: str, key: str) -> str | None:
    if prop == "keywords":
        return key.lower() if is_keyword(key) else None
    return call.resolve_id(key)


def _value_ok(prop: str, value: Any) -> bool:
    """`true`; for keywords also `false`, read as "not set" (methods/email/_keywords.py)."""
    return value is True or (prop == "keywords" and is_flag(value))


def _whole(call: CallContext, prop: str, value: Any) -> dict[str, bool] | None:
    if not isinstance(value, dict) or not all(_value_ok(prop, v) for v in value.values()):
        return None
    keys = [_entry(call, prop, k) for k in value]
    if None in keys:
        return None
    return {k: True for k, v in zip(keys, value.values(), strict=True) if k is not None and v is True}


def _apply(call: CallContext, current: dict[str, dict[str, bool]], patch: dict[str, Any]) -> set[str]:
    """Apply PATCH to CURRENT in place; returns the properties whose values are invalid."""
    bad: set[str] = set()
    for tokens, value in parse_patch(patch):
        prop = tokens[0]
        if len(tokens) == 1:
            whole = _whole(call, prop, value)
            if whole is None:
                bad.add(prop)
            else:
                current[prop] = whole
        elif len(tokens) == 2:
            key = _entry(call, prop, tokens[1])
            if key is None or not (value is None or _value_ok(prop, value)):
                bad.add(prop)
            elif value is None or value is False:
                current[prop].pop(key, None)
            else:
                current[prop][key] = True
        else:
            raise SetError(INVALID_PATCH, f"{'/'.join(tokens)!r} is deeper than a {prop} entry")
    return bad


def plan(
    call: CallContext, record: emails.EmailRecord, patch: dict[str, Any], known: set[str]
) -> tuple[list[str], list[str]]:
    """The (mailboxIds, keywords) the Email has after PATCH; SetError when the patch is not allowed."""
    immutable = sorted({tokens[0] for tokens, _ in parse_patch(patch)} - MUTABLE)
    if immutable:
        raise SetError.invalid_properties(immutable, "only keywords and mailboxIds can change")
    current = {
        "keywords": dict.fromkeys(record.keywords, True),
        "mailboxIds": dict.fromkeys(record.mailbox_ids, True),
    }
    bad = _apply(call, current, patch)
    boxes, words = sorted(current["mailboxIds"]), sorted(current["keywords"])
    # Only mailboxes the patch adds must be among those read at the start of the call: the Email may
    # already be in one created since (found by the concurrency soak). An added mailbox destroyed since
    # fails the counter update's condition instead.
    if not boxes or set(boxes) - set(record.mailbox_ids) - known:
        bad.add("mailboxIds")
    if bad:
        raise SetError.invalid_properties(sorted(bad), "unknown or malformed keywords or mailboxIds")
    if len(boxes) > MAX_MAILBOXES_PER_EMAIL:
        raise SetError(TOO_MANY_MAILBOXES, f"at most {MAX_MAILBOXES_PER_EMAIL} mailboxes per Email")
    if len(words) > MAX_KEYWORDS:
        raise SetError(TOO_MANY_KEYWORDS, f"at most {MAX_KEYWORDS} keywords per Email")
    return boxes, words


def _live(boxes: Counts) -> Counts:
    return {m: c for m, c in boxes.items() if c[0] > 0}


def counter_deltas(
    before: emails.EmailRecord, after: emails.EmailRecord, thread_before: Counts, thread_after: Counts
) -> dict[str, tuple[int, int, int, int]]:
    """{mailboxId: (totalEmails, unreadEmails, totalThreads, unreadThreads) deltas} of one change."""
    deltas: dict[str, list[int]] = {}
    for sign, record in ((-1, before), (1, after)):
        for mailbox_id in record.mailbox_ids:
            entry = deltas.setdefault(mailbox_id, [0, 0, 0, 0])
            entry[0] += sign
            entry[1] += sign * int(record.unread)
    for mailbox_id, (total, unread) in thread_count_deltas([thread_before], [thread_after]).items():
        entry = deltas.setdefault(mailbox_id, [0, 0, 0, 0])
        entry[2] += total
        entry[3] += unread
    return {m: (d[0], d[1], d[2], d[3]) for m, d in sorted(deltas.items()) if any(d)}


def stage(txn: Txn, found: Versioned, thread: ThreadRecord, boxes: list[str], words: list[str]) -> bool:
    """Stage the update; False when it changes nothing. SetError when it exceeds one transaction."""
    before = found.record
    if set(boxes) == set(before.mailbox_ids) and set(words) == set(before.keywords):
        return False
    after = email_writes.stage_update(txn, found, boxes, words)
    email_id = before.email_id
    moved = without_email(thread, email_id, before.mailbox_ids, before.unread)
    new_thread = with_email(moved, email_id, before.received_at, after.mailbox_ids, after.unread)
    if _live(new_thread.boxes) != _live(thread.boxes):
        threads.put(txn, new_thread, previous_version=thread.version)
    deltas = counter_deltas(before, after, thread.boxes, new_thread.boxes)
    if email_writes.update_cost(before, after) + len(deltas) + _FIXED > _TXN_LIMIT:
        raise SetError(TOO_MANY_MAILBOXES, "too many mailbox changes for one update; make them in steps")
    for mailbox_id, delta in deltas.items():
        emails.bump_counters(txn, mailbox_id, delta)
    txn.changed("Email", updated=[email_id])
    if deltas:
        txn.changed("Mailbox", updated=list(deltas))
    return True
