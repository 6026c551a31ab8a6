"""RFC 8621 §8.2 (RFC 8620 §5.3): VacationResponse/set, updating the singleton in one transaction.

There is exactly one VacationResponse per account: every create, and destroying "singleton", fails
with the `singleton` SetError; an update or destroy naming any other id is notFound. The update is
decided on the object read after the state, and committed conditioned on that state; a writer in
between makes the commit fail, and the call then answers stateMismatch (with `ifInState`) or is
decided again on the new object.
"""

from __future__ import annotations

from typing import Any

from mailx.limits import LIMITS
from mailx.methods._commit import commit_with_retry
from mailx.methods.vacation import _rules
from mailx.protocol.context import CallContext
from mailx.protocol.errors import SINGLETON, SetError
from mailx.protocol.patch import apply_patch
from mailx.protocol.standard_set import SetArgs, SetResult, check_state, parse_set
from mailx.store import transactions, vacation
from mailx.store.vacation import SINGLETON_ID, VacationRecord


def _update(result: SetResult, record: VacationRecord, key: str, patch: dict[str, Any]) -> VacationRecord:
    """Apply one update to RECORD, reporting the outcome; returns the record as it now stands."""
    if key != SINGLETON_ID:
        result.update_failed(key, SetError.not_found(f"no VacationResponse {key!r}; its id is 'singleton'"))
        return record
    try:
        patched = apply_patch(_rules.to_json(record), patch, defaults=_rules.DEFAULTS)
        updated = _rules.check_update(record, patched)
    except SetError as error:
        result.update_failed(key, error)
        return record
    result.update_ok(SINGLETON_ID, None)
    return updated


def _decide(args: SetArgs, result: SetResult, before: VacationRecord) -> VacationRecord:
    for creation_id in args.create:
        result.create_failed(creation_id, SetError(SINGLETON, "the VacationResponse exists; update it"))
    after = before
    for key, patch in args.update.items():
        after = _update(result, after, key, patch)
    for key in args.destroy:
        if key == SINGLETON_ID:
            result.destroy_failed(key, SetError(SINGLETON, "the VacationResponse cannot be destroyed"))
        else:
            result.destroy_failed(key, SetError.not_found(f"no VacationResponse {key!r}"))
    return after


def _attempt(call: CallContext, args: SetArgs) -> dict[str, Any]:
    services = call.services
    account_id = args.account_id
    services.refresh(account_id)
    seen = services.state(account_id, vacation.TYPE_NAME)
    check_state(args.if_in_state, seen)
    result = SetResult(account_id=account_id, old_state=seen)
    before = vacation.get(account_id)
    after = _decide(args, result, before)
    txn = transactions.Txn(account_id)
    vacation.stage_put(txn, before, after)
    if txn.changed_types:
        new_states = transactions.commit(txn, expect={vacation.TYPE_NAME: int(seen)})
        services.note_committed(account_id, new_states)
        result.new_state = str(new_states[vacation.TYPE_NAME])
    return result.to_response()


def vacation_set(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """VacationResponse/set: update (by patch) the singleton; create and destroy are refused."""
    parsed = parse_set(args, call, LIMITS.max_objects_in_set)
    return commit_with_retry(
        lambda: _attempt(call, parsed), what="the VacationResponse", if_in_state=parsed.if_in_state
    )
