"""RFC 8621 §2.5 (RFC 8620 §5.3): Mailbox/set, with onDestroyRemoveEmails.

Each attempt reads the mailbox-tree guard and then the mailboxes, decides every operation on that
snapshot (plan.py, settle.py) and commits the writes in one transaction conditioned on that guard,
which only Mailbox/set moves. Another Mailbox/set that got in between makes the commit fail, and the
call is decided again on fresh data; with `ifInState` the commit is also conditioned on the Mailbox
state, and a change answers stateMismatch. Not conditioning on the Mailbox state otherwise matters:
every counter change moves it, so a busy mailbox would starve Mailbox/set (the concurrency soak did);
what counters decide (mailboxHasEmail) is guarded by the destroy's own condition. A call with more
writes than one DynamoDB transaction holds commits in chunks, each decided on a fresh snapshot.
"""

from __future__ import annotations

from typing import Any

from mailx.ids import new_id
from mailx.limits import LIMITS
from mailx.methods._commit import commit_with_retry
from mailx.methods.mailbox import _rules
from mailx.methods.mailbox._empty import empty_mailbox
from mailx.methods.mailbox._plan import Checked, Op, check_ops
from mailx.methods.mailbox._settle import apply_ops, settle
from mailx.methods.mailbox._tree import depth
from mailx.protocol.context import CallContext
from mailx.protocol.errors import (
    MAILBOX_HAS_EMAIL,
    SetError,
)
from mailx.protocol.standard_set import SetArgs, SetResult, check_state, parse_set
from mailx.protocol.validate import opt_bool
from mailx.store import mailboxes, transactions
from mailx.store.mailboxes import MailboxRecord

# DynamoDB allows 100 items per transaction; the change log and the account item take two.
CHUNK = 90


def _has_email(record: MailboxRecord) -> SetError:
    return SetError(MAILBOX_HAS_EMAIL, f"the mailbox holds {record.total_emails} emails")


class _MailboxSet:
    def __init__(self, call: CallContext, args: SetArgs, remove_emails: bool) -> None:
        self.call = call
        self.args = args
        self.remove_emails = remove_emails
        self.new_ids = {creation_id: new_id("M") for creation_id in args.create}
        self.create = {cid: (self.new_ids[cid], obj) for cid, obj in args.create.items()}
        self.update = dict(args.update)
        self.destroy = list(args.destroy)
        self.result = SetResult(account_id=args.account_id, old_state=None)
        self.committed = False
        self.emptied: set[str] = set()  # mailboxes emptied for onDestroyRemoveEmails (our own state moves)

    def resolve(self, ref: str) -> str | None:
        """`#creationId` of this call first (its creates are the latest), then of earlier calls."""
        if ref.startswith("#") and ref[1:] in self.new_ids:
            return self.new_ids[ref[1:]]
        return self.call.resolve_id(ref)

    def policy(self, record: MailboxRecord) -> SetError | None:
        """A mailbox holding mail may go only with onDestroyRemoveEmails (emptied in attempt())."""
        return None if self.remove_emails else _has_email(record)

    def run(self) -> dict[str, Any]:
        services = self.call.services
        account_id = self.args.account_id

        def attempt() -> dict[str, Any] | None:
            services.refresh(account_id)
            seen = int(services.state(account_id, "Mailbox"))
            if self.result.old_state is None:
                self.result.old_state = str(seen)
            if not self.committed and not self.emptied:
                check_state(self.args.if_in_state, str(seen))
            return self.result.to_response() if self.attempt(seen) else None

        def lost_race(exc: Exception) -> None:
            if not self.committed:
                self.result.old_state = None

        while True:  # each round commits one chunk; a lost race inside a round is retried there
            response = commit_with_retry(
                attempt,
                what="the mailboxes",
                if_in_state=self.args.if_in_state,
                committed=lambda: self.committed,
                on_lost_race=lost_race,
            )
            if response is not None:
                return response

    def attempt(self, seen: int) -> bool:
        """Decide on a fresh snapshot and commit one chunk; True when nothing is left to do."""
        tree = transactions.read_guard(self.args.account_id, mailboxes.TREE_GUARD)  # read before the snapshot
        snapshot = {r.mailbox_id: r for r in mailboxes.list_all(self.args.account_id)}
        checked = check_ops(snapshot, self.create, self.update, self.destroy, self.resolve, self.policy)
        accepted, rejected = settle(snapshot, checked.ops)
        if self.empty_accepted_destroys(accepted):
            return False  # decide again on the emptied mailboxes (our own Email/set moved the state)
        chunk, rest = _chunk(snapshot, accepted)
        if chunk:
            txn = transactions.Txn(self.args.account_id)
            _stage(txn, snapshot, apply_ops(snapshot, chunk), list(dict.fromkeys(op.target for op in chunk)))
            txn.guard(mailboxes.TREE_GUARD, tree)
            strict = self.args.if_in_state is not None and not self.committed
            new_states = (
                transactions.commit(txn, expect={"Mailbox": seen} if strict else None)
                if txn.changed_types
                else {}
            )
            self.committed = self.committed or bool(new_states)
            if new_states:
                self.call.services.note_committed(self.args.account_id, new_states)
                self.result.new_state = str(new_states["Mailbox"])
            for op in chunk:
                self.report(op)
        if rest:
            return False
        self.reject(checked, rejected)
        return True

    def empty_accepted_destroys(self, accepted: list[Op]) -> bool:
        """onDestroyRemoveEmails: empty each mailbox whose destroy passed every other check, once.

        Mail arriving after that makes the (require-empty) destroy lose its condition; the call then
        retries like any lost race instead of emptying in a loop.
        """
        full = [
            op
            for op in accepted
            if op.kind == "destroy" and op.base and op.base.total_emails > 0 and op.target not in self.emptied
        ]
        for op in full:
            empty_mailbox(self.call, self.args.account_id, op.target)
            self.emptied.add(op.target)
        return bool(full)

    def report(self, op: Op) -> None:
        """Record a committed op in the response and forget it for later chunks."""
        if op.kind == "create" and op.record is not None:
            self.result.create_ok(op.key, _rules.server_changed(op.sent, op.record))
            self.create.pop(op.key, None)
        elif op.kind == "update" and op.record is not None:
            self.result.update_ok(op.target, _rules.server_changed(op.sent, op.record) or None)
            self.update.pop(op.key, None)
        else:
            self.result.destroy_ok(op.target)
            self.destroy = [key for key in self.destroy if key != op.key]

    def reject(self, checked: Checked, rejected: dict[Op, SetError]) -> None:
        for key, error in checked.not_created.items():
            self.result.create_failed(key, error)
        for key, error in checked.not_updated.items():
            self.result.update_failed(key, error)
        for key, error in checked.not_destroyed.items():
            self.result.destroy_failed(key, error)
        for op, error in rejected.items():
            if op.kind == "create":
                self.result.create_failed(op.key, error)
            elif op.kind == "update":
                self.result.update_failed(op.key, error)
            else:
                self.result.destroy_failed(op.key, error)


def _chunk(snapshot: dict[str, MailboxRecord], ops: list[Op]) -> tuple[list[Op], list[Op]]:
    """Split the ops into what fits one transaction and the rest, keeping each mailbox's ops together.

    Creates go first, parents before children; then updates; then destroys, children first.
    """
    final = apply_ops(snapshot, ops)

    def rank(op: Op) -> tuple[int, int, int]:
        if op.kind == "create":
            return (0, depth(final, op.target) if op.target in final else 0, op.index)
        if op.kind == "update":
            return (1, 0, op.index)
        return (2, -depth(snapshot, op.target) if op.target in snapshot else 0, op.index)

    targets: list[str] = []
    for op in sorted(ops, key=rank):
        if op.target not in targets:
            targets.append(op.target)
    keep = set(targets[:CHUNK])
    return [op for op in ops if op.target in keep], [op for op in ops if op.target not in keep]


def _stage(
    txn: transactions.Txn,
    snapshot: dict[str, MailboxRecord],
    final: dict[str, MailboxRecord],
    targets: list[str],
) -> None:
    """Stage one write per touched mailbox: the difference between the snapshot and the result.

    TARGETS come in the order of the client's operations, which the change log keeps.
    """
    for target in targets:
        before, after = snapshot.get(target), final.get(target)
        if before is None and after is not None:
            mailboxes.stage_create(txn, after)
        elif before is not None and after is not None:
            mailboxes.stage_update(txn, before, after)
        elif before is not None:
            mailboxes.stage_destroy(txn, target, require_empty=True)
        else:
            mailboxes.stage_transient(txn, target)


def mailbox_set(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """Mailbox/set: create, update (by patch) and destroy mailboxes."""
    parsed = parse_set(args, call, LIMITS.max_objects_in_set)
    remove_emails = opt_bool(args, "onDestroyRemoveEmails", False)
    return _MailboxSet(call, parsed, remove_emails).run()
