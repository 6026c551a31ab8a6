"""RFC 8621 §7.5 (RFC 8620 §5.3): EmailSubmission/set, then the implicit Email/set of onSuccess*.

Each create, cancel and destroy is its own transaction, so one that loses a race (a consumer claimed the
send an instant before the cancel: `cannotUnsend`) fails alone. `ifInState` conditions the first commit;
later ones condition on the state the previous one produced. The only update a client may make is
`undoStatus: "canceled"` while the send is still queued.
"""

from __future__ import annotations

from typing import Any

from mailx.limits import LIMITS
from mailx.methods._commit import commit_with_retry
from mailx.methods.email_submission import _rules
from mailx.methods.email_submission._create import create_one
from mailx.methods.email_submission._implicit import implicit_email_set, parse_on_success
from mailx.protocol.context import CallContext
from mailx.protocol.errors import CANNOT_UNSEND, SetError
from mailx.protocol.patch import apply_patch
from mailx.protocol.registry import MethodOutput
from mailx.protocol.standard_set import SetArgs, SetResult, check_state, parse_set
from mailx.store import identities, submissions, transactions
from mailx.store.errors import Conflict, StateMismatch
from mailx.store.identities import IdentityRecord
from mailx.store.submissions import SubmissionRecord
from mailx.store.transactions import Txn

TYPE = submissions.TYPE_NAME


class _SubmissionSet:
    def __init__(self, call: CallContext, args: SetArgs) -> None:
        self.call = call
        self.args = args
        self.account_id = args.account_id
        call.services.refresh(args.account_id)
        state = call.services.state(args.account_id, TYPE)
        check_state(args.if_in_state, state)
        self.result = SetResult(account_id=args.account_id, old_state=state)
        self.expect: dict[str, int] | None = None if args.if_in_state is None else {TYPE: int(state)}
        self.email_of: dict[str, str] = {}  # submission id -> its emailId, for every success
        self.committed = False

    def commit(self, txn: Txn) -> None:
        """Commit one operation. A Conflict is that operation's own outcome (the caller decides); a lost
        race on the state under ifInState is the whole call's (stateMismatch, or serverPartialFail once
        an earlier operation of this call committed)."""

        def attempt() -> None:
            new_states = transactions.commit(txn, expect=self.expect)
            self.committed = True
            self.call.services.note_committed(self.account_id, new_states)
            self.result.new_state = str(new_states[TYPE])
            if self.expect is not None:
                self.expect = {TYPE: new_states[TYPE]}

        def lost_race(exc: Exception) -> None:
            if isinstance(exc, Conflict):
                raise exc

        commit_with_retry(
            attempt,
            what="the submissions",
            if_in_state=self.args.if_in_state,
            mismatch_on=(StateMismatch,),
            committed=lambda: self.committed,
            on_lost_race=lost_race,
            tries=1,
        )

    def create(self, creation_id: str, obj: dict[str, Any], known: dict[str, IdentityRecord]) -> None:
        try:
            record = create_one(self.call, self.account_id, obj, known)
        except SetError as error:
            self.result.create_failed(creation_id, error)
            return
        txn = Txn(self.account_id)
        submissions.stage_create(txn, record)
        self.commit(txn)
        self.call.add_created_id(creation_id, record.submission_id)
        self.email_of[record.submission_id] = record.email_id
        self.result.create_ok(
            creation_id,
            {
                "id": record.submission_id,
                "threadId": record.thread_id,
                "sendAt": record.send_at,
                "undoStatus": record.undo_status,
                "deliveryStatus": record.delivery_status,
                "dsnBlobIds": [],
                "mdnBlobIds": [],
            },
        )

    def _find(self, key: str) -> SubmissionRecord:
        target = self.call.resolve_id(key)
        record = submissions.get(self.account_id, target) if target else None
        if record is None or record.hidden:
            raise SetError.not_found(f"no EmailSubmission {key!r}")
        return record

    def update(self, key: str, patch: dict[str, Any]) -> None:
        try:
            record = self._find(key)
            current = _rules.to_json(record)
            patched = apply_patch(current, patch)
            changed = sorted(name for name in _rules.PROPERTIES if patched.get(name) != current[name])
            extra = sorted(set(patched) - set(_rules.PROPERTIES))
            if extra or [name for name in changed if name != "undoStatus"]:
                raise SetError.invalid_properties(extra + changed, "only undoStatus may change")
            if "undoStatus" in changed:
                self._cancel(record, patched["undoStatus"])
        except SetError as error:
            self.result.update_failed(key, error)
            return
        self.email_of[record.submission_id] = record.email_id
        self.result.update_ok(record.submission_id, None)

    def _cancel(self, record: SubmissionRecord, wanted: Any) -> None:
        if wanted != "canceled":
            raise SetError.invalid_properties(["undoStatus"], "undoStatus may only be set to canceled")
        if record.undo_status != "pending":
            raise SetError(CANNOT_UNSEND, f"the submission is {record.undo_status}")
        txn = Txn(self.account_id)
        submissions.stage_cancel(txn, record.submission_id)
        try:
            self.commit(txn)
        except Conflict:
            raise SetError(CANNOT_UNSEND, "the message is being sent or was sent already") from None

    def destroy(self, key: str) -> None:
        try:
            record = self._find(key)
            txn = Txn(self.account_id)
            submissions.stage_destroy(txn, record)
            try:
                self.commit(txn)
            except Conflict:  # the send ended meanwhile: destroying that is a plain delete
                record = self._find(key)
                txn = Txn(self.account_id)
                submissions.stage_destroy(txn, record)
                self.commit(txn)
        except (SetError, Conflict) as error:
            reason = error if isinstance(error, SetError) else SetError("forbidden", "changed meanwhile")
            self.result.destroy_failed(key, reason)
            return
        self.email_of[record.submission_id] = record.email_id
        self.result.destroy_ok(record.submission_id)


def email_submission_set(call: CallContext, args: dict[str, Any]) -> MethodOutput:
    """EmailSubmission/set; its implicit Email/set response follows when onSuccess* asked for changes."""
    parsed = parse_set(args, call, LIMITS.max_objects_in_set)
    on_success = parse_on_success(args)
    run = _SubmissionSet(call, parsed)
    known = {r.identity_id: r for r in identities.list_all(parsed.account_id)} if parsed.create else {}
    for creation_id, obj in parsed.create.items():
        run.create(creation_id, obj, known)
    for key, patch in parsed.update.items():
        run.update(key, patch)
    for key in parsed.destroy:
        run.destroy(key)
    responses: list[tuple[str, dict[str, Any]]] = [("EmailSubmission/set", run.result.to_response())]
    implicit = implicit_email_set(call, parsed.account_id, on_success, run.email_of)
    if implicit is not None:
        responses.append(implicit)
    return responses
