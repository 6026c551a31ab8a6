"""RFC 8621 §6.3 (RFC 8620 §5.3): Identity/set, committed in one transaction against the Identity state.

Each attempt reads the Identity state, then the identities, decides every operation on that snapshot
and commits the writes in one transaction conditioned on that state. A writer in between makes the
commit fail: with `ifInState` the call answers stateMismatch, without it the call is decided again.
One transaction holds 100 items, so a call may carry at most MAX_OPERATIONS operations
(requestTooLarge otherwise); an account has a handful of identities, so this never binds in practice.
"""

from __future__ import annotations

from typing import Any

from mailx.ids import new_id
from mailx.methods._commit import commit_with_retry
from mailx.methods.identity import _rules
from mailx.protocol.context import CallContext
from mailx.protocol.errors import SET_FORBIDDEN, SetError
from mailx.protocol.patch import apply_patch
from mailx.protocol.standard_set import SetArgs, SetResult, check_state, parse_set
from mailx.store import identities, transactions
from mailx.store.identities import IdentityRecord

MAX_OPERATIONS = 90  # one transaction: 100 items less the change-log and account writes, with room


class _Plan:
    """Every operation of one call decided on one snapshot, and the transaction that applies it."""

    def __init__(self, call: CallContext, args: SetArgs, new_ids: dict[str, str]) -> None:
        self.call = call
        self.args = args
        self.new_ids = new_ids
        self.result = SetResult(account_id=args.account_id, old_state=None)
        self.txn = transactions.Txn(args.account_id)
        self.created: dict[str, str] = {}

    def resolve(self, ref: str) -> str | None:
        if ref.startswith("#") and ref[1:] in self.new_ids:
            return self.new_ids[ref[1:]]
        return self.call.resolve_id(ref)

    def decide(self, snapshot: dict[str, IdentityRecord]) -> None:
        assigned = {r.email.strip().lower(): r.email for r in snapshot.values() if not r.may_delete}
        final: dict[str, IdentityRecord | None] = dict(snapshot)
        for creation_id, obj in self.args.create.items():
            try:
                record, reported = _rules.check_create(obj, self.new_ids[creation_id], assigned)
            except SetError as error:
                self.result.create_failed(creation_id, error)
                continue
            final[record.identity_id] = record
            self.created[creation_id] = record.identity_id
            self.result.create_ok(creation_id, reported)
        for key, patch in self.args.update.items():
            self._update(final, key, patch)
        for key in self.args.destroy:
            self._destroy(final, key)
        self._stage(snapshot, final)

    def _update(self, final: dict[str, IdentityRecord | None], key: str, patch: dict[str, Any]) -> None:
        target = self.resolve(key)
        record = final.get(target) if target is not None else None
        if target is None or record is None:
            self.result.update_failed(key, SetError.not_found(f"no identity {key!r}"))
            return
        try:
            patched = apply_patch(_rules.to_json(record), patch, defaults=_rules.DEFAULTS)
            final[target] = _rules.check_update(record, patched)
        except SetError as error:
            self.result.update_failed(key, error)
            return
        self.result.update_ok(target, None)

    def _destroy(self, final: dict[str, IdentityRecord | None], key: str) -> None:
        target = self.resolve(key)
        record = final.get(target) if target is not None else None
        if target is None or record is None:
            self.result.destroy_failed(key, SetError.not_found(f"no identity {key!r}"))
        elif not record.may_delete:
            error = SetError(SET_FORBIDDEN, "the identity of an assigned address cannot be destroyed")
            self.result.destroy_failed(key, error)
        else:
            final[target] = None
            self.result.destroy_ok(target)

    def _stage(self, snapshot: dict[str, IdentityRecord], final: dict[str, IdentityRecord | None]) -> None:
        for identity_id in list(final):
            before, after = snapshot.get(identity_id), final[identity_id]
            if before is None and after is not None:
                identities.stage_create(self.txn, after)
            elif before is not None and after is not None:
                identities.stage_update(self.txn, before, after)
            elif before is not None:
                identities.stage_destroy(self.txn, identity_id)
            else:  # created and destroyed by this call: nothing to write, but both were reported
                self.txn.changed(identities.TYPE_NAME, created=[identity_id], destroyed=[identity_id])


def _attempt(call: CallContext, args: SetArgs, new_ids: dict[str, str]) -> dict[str, Any]:
    services = call.services
    account_id = args.account_id
    services.refresh(account_id)
    seen = services.state(account_id, identities.TYPE_NAME)
    check_state(args.if_in_state, seen)
    plan = _Plan(call, args, new_ids)
    plan.result.old_state = seen
    plan.decide({r.identity_id: r for r in identities.list_all(account_id)})
    if plan.txn.changed_types:
        new_states = transactions.commit(plan.txn, expect={identities.TYPE_NAME: int(seen)})
        services.note_committed(account_id, new_states)
        plan.result.new_state = str(new_states[identities.TYPE_NAME])
    return plan.result.to_response()


def identity_set(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """Identity/set: create (for assigned addresses), update (by patch) and destroy identities."""
    parsed = parse_set(args, call, MAX_OPERATIONS)
    new_ids = {creation_id: new_id("I") for creation_id in parsed.create}
    return commit_with_retry(
        lambda: _attempt(call, parsed, new_ids), what="the identities", if_in_state=parsed.if_in_state
    )
