"""RFC 8621 §4.6 (RFC 8620 §5.3): Email/set — creates (set_create), then updates, then destroys.

Each update and each destroy is its own transaction, conditioned on the Email's and thread's versions
as read: a concurrent writer makes it read again and re-apply the patch, so no change is ever lost.
`ifInState` is checked against the state at the start of the call and conditions the first commit;
later commits condition on the state the previous one produced.

Reads are batched: every Email the call names and their threads are read up front (one BatchGetItem
per 100 of each), and each commit conditions on the states as this request last knew them instead of
reading the account item again. Those reads are only the first attempt's: a thread is re-read once
another Email of it was written in this call, and a failed condition reads everything afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mailx.limits import LIMITS
from mailx.methods._commit import commit_with_retry
from mailx.methods.email import _destroy, _update
from mailx.protocol.context import CallContext
from mailx.protocol.errors import (
    SetError,
)
from mailx.protocol.standard_set import SetArgs, SetResult, check_state, parse_set
from mailx.store import email_reads, fulltext, mailboxes, threads, transactions
from mailx.store.email_reads import Versioned
from mailx.store.errors import StateMismatch
from mailx.store.threads import ThreadRecord
from mailx.store.transactions import Txn


def _create(
    call: CallContext, account_id: str, creates: dict[str, dict[str, Any]], result: SetResult
) -> None:
    from mailx.methods.email._set_create import create_emails  # composing drafts: only when asked

    create_emails(call, account_id, creates, result)


def _read(account_id: str, email_id: str) -> tuple[Versioned, ThreadRecord | None]:
    found = email_reads.get_versioned(account_id, [email_id]).get(email_id)
    if found is None:
        raise SetError.not_found(f"no Email {email_id}")
    thread = threads.get_many(account_id, [found.record.thread_id]).get(found.record.thread_id)
    return found, thread


class _EmailSet:
    def __init__(self, call: CallContext, args: SetArgs) -> None:
        self.call = call
        self.args = args
        self.account_id = args.account_id
        self.state = call.services.state(args.account_id, "Email")
        check_state(args.if_in_state, self.state)
        self.result = SetResult(account_id=args.account_id, old_state=self.state)
        self.expect: dict[str, int] | None = None if args.if_in_state is None else {"Email": int(self.state)}
        self.committed = False
        self.emails: dict[str, Versioned] = {}  # read up front, each used once (then read afresh)
        self.threads: dict[str, ThreadRecord | None] = {}  # dropped once one of its Emails is written

    def prefetch(self, email_ids: list[str]) -> None:
        """Read every named Email and its thread in batches, for the first attempt of each write."""
        self.emails = email_reads.get_versioned(self.account_id, email_ids)
        thread_ids = {found.record.thread_id for found in self.emails.values()}
        found_threads = threads.get_many(self.account_id, thread_ids)
        self.threads = {t: found_threads.get(t) for t in thread_ids}

    def read(self, email_id: str) -> tuple[Versioned, ThreadRecord | None]:
        """The Email and its thread: as prefetched the first time, afresh after that."""
        found = self.emails.pop(email_id, None)
        if found is None:
            return _read(self.account_id, email_id)
        thread_id = found.record.thread_id
        if thread_id not in self.threads:
            return found, threads.get_many(self.account_id, [thread_id]).get(thread_id)
        return found, self.threads.pop(thread_id)

    def commit(self, build: Callable[[Txn], bool]) -> bool:
        """Build and commit one transaction, re-reading after lost races; False when nothing changed."""
        first = True

        def attempt() -> bool:
            nonlocal first
            txn = Txn(self.account_id)
            if not build(txn):
                return False
            # The first try may assume the states this request already knows (no read of them).
            assume = self.call.services.states(self.account_id) if first else None
            first = False
            new_states = transactions.commit(txn, expect=self.expect, assume=assume)
            self.committed = True
            self.call.services.note_committed(self.account_id, new_states)
            self.result.new_state = str(new_states["Email"])
            self.expect = None if self.expect is None else {"Email": new_states["Email"]}
            fulltext.maybe_compact(self.account_id, new_states["Email"])
            return True

        def lost_race(exc: Exception) -> None:
            if isinstance(exc, StateMismatch):  # after our own commit: decide again on fresh states
                self.expect = None
            elif str(exc).startswith("mailbox:"):
                raise SetError.invalid_properties(["mailboxIds"], "a mailbox was destroyed") from None

        return commit_with_retry(
            attempt,
            what="these Emails",
            if_in_state=self.args.if_in_state,
            mismatch_on=(StateMismatch,),
            committed=lambda: self.committed,
            on_lost_race=lost_race,
        )

    def update_one(self, email_id: str, patch: dict[str, Any], known: set[str]) -> None:
        def build(txn: Txn) -> bool:
            found, thread = self.read(email_id)
            boxes, words = _update.plan(self.call, found.record, patch, known)
            return _update.stage(txn, found, thread or ThreadRecord(found.record.thread_id), boxes, words)

        self.commit(build)

    def destroy_one(self, email_id: str) -> None:
        gone: list[Versioned] = []

        def build(txn: Txn) -> bool:
            found, thread = self.read(email_id)
            _destroy.stage(txn, found, thread)
            gone[:] = [found]
            return True

        self.commit(build)
        _destroy.delete_octets(self.account_id, gone[0])

    def run(self) -> dict[str, Any]:
        if self.args.create:
            _create(self.call, self.account_id, self.args.create, self.result)
            if self.result.created:
                self.expect = None  # the creates committed on their own, after ifInState was checked
                self.committed = True
                self.result.new_state = self.call.services.state(self.account_id, "Email")
        known = {m.mailbox_id for m in mailboxes.list_all(self.account_id)} if self.args.update else set()
        named = (self.call.resolve_id(key) for key in (*self.args.update, *self.args.destroy))
        self.prefetch([email_id for email_id in named if email_id is not None])
        for key, patch in self.args.update.items():
            self.attempt(key, "update", lambda i, p=patch: self.update_one(i, p, known))  # type: ignore[misc]
        for key in self.args.destroy:
            self.attempt(key, "destroy", self.destroy_one)
        return self.result.to_response()

    def attempt(self, key: str, kind: str, action: Callable[[str], None]) -> None:
        """Run one update or destroy, recording it (under the resolved id) or its SetError."""
        failed = self.result.update_failed if kind == "update" else self.result.destroy_failed
        email_id = self.call.resolve_id(key)
        if email_id is None:
            failed(key, SetError.not_found(f"no creation {key}"))
            return
        try:
            action(email_id)
        except SetError as error:
            failed(email_id, error)
            return
        if kind == "update":
            self.result.update_ok(email_id)
        else:
            self.result.destroy_ok(email_id)


def email_set(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """Email/set."""
    return _EmailSet(call, parse_set(args, call, LIMITS.max_objects_in_set)).run()
