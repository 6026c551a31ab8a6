"""RFC 8621 §4.5 (RFC 8620 §5.6): Email/queryChanges from the Email change log.

Every Email created or updated since `sinceQueryState` may have moved, so each is "removed" and, when
still in the results, "added" at its index; destroyed ones are removed. With collapseThreads a change
to one Email can change which Email stands for its thread, so every Email of a changed Email's thread
counts as changed. A destroyed Email's thread is no longer known, so collapseThreads with destroys in
the range answers cannotCalculateChanges, as does a state older than the change log.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mailx.methods.email import _filters, _indexed, _sorts, query
from mailx.protocol.context import CallContext
from mailx.protocol.errors import CANNOT_CALCULATE_CHANGES, MethodError
from mailx.protocol.standard_query_changes import (
    QueryChangesArgs,
    parse_query_changes,
    query_changes,
    query_changes_response,
)
from mailx.protocol.validate import opt_bool
from mailx.store import email_reads, threads, transactions
from mailx.store.email_index import View
from mailx.store.errors import ChangesExpired


def _since(value: str) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 15:
        raise MethodError(CANNOT_CALCULATE_CHANGES, f"{value!r} is not an Email query state of this server")
    return int(value)


def _current(call: CallContext, account_id: str, since: int) -> int:
    current = int(call.services.state(account_id, "Email"))
    if since > current:  # a concurrent request of the client may have seen a newer state
        call.services.refresh(account_id)
        current = int(call.services.state(account_id, "Email"))
    return current


def _log(account_id: str, since: int, current: int) -> tuple[dict[str, None], list[str]]:
    changed: dict[str, None] = {}
    destroyed: list[str] = []
    try:
        for step in transactions.read_changes(account_id, "Email", since, current):
            changed.update(dict.fromkeys([*step.created, *step.updated]))
            destroyed.extend(step.destroyed)
    except ChangesExpired as exc:
        raise MethodError(CANNOT_CALCULATE_CHANGES, str(exc)) from None
    return changed, destroyed


def _thread_mates(account_id: str, changed: dict[str, None]) -> dict[str, None]:
    """CHANGED plus every current Email of the threads they are in."""
    found = email_reads.get_versioned(account_id, changed)
    thread_records = threads.get_many(account_id, {v.record.thread_id for v in found.values()})
    mates = [e for t in sorted(thread_records) for e in thread_records[t].email_ids]
    return {**changed, **dict.fromkeys(mates)}


def _current_ids(
    args: QueryChangesArgs, view: View | None, collapse: bool, changed: dict[str, None]
) -> list[str]:
    if view is None:
        return query.full_results(args.account_id, args.filter, _sorts.check(args.sort), collapse)
    if args.up_to_id is not None and args.up_to_id not in changed:
        # Only indexes up to upToId are reported, so the view is read no further than that.
        prefix = _indexed.prefix_until(args.account_id, view, args.up_to_id, collapse)
        if prefix is not None:
            return prefix
    return _indexed.all_ids(args.account_id, view, collapse)


def email_query_changes(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """removed/added since `sinceQueryState` for the same filter, sort and collapseThreads."""
    parsed = parse_query_changes(
        args, call, parse_condition=_filters.condition_parser(call), sortable=_sorts.SORTABLE
    )
    collapse = opt_bool(args, "collapseThreads", False)
    sort = _sorts.check(parsed.sort)
    since = _since(parsed.since_query_state)
    current = _current(call, parsed.account_id, since)
    changed, destroyed = _log(parsed.account_id, since, current)
    if collapse and destroyed:
        raise MethodError(CANNOT_CALCULATE_CHANGES, "collapsed results with destroyed Emails in the range")
    if collapse and changed:
        changed = _thread_mates(parsed.account_id, changed)
    view = _indexed.view_for(parsed.filter, sort, None, 0)
    ids = _current_ids(parsed, view, collapse, changed) if changed or destroyed else []
    changes = query_changes(ids, changed, destroyed, parsed.up_to_id, parsed.max_changes, False)
    if parsed.calculate_total:
        if view is not None:
            total = _indexed.total(parsed.account_id, view, collapse)
        elif changed or destroyed:
            total = len(ids)
        else:
            total = len(query.full_results(parsed.account_id, parsed.filter, sort, collapse))
        changes = replace(changes, total=total)
    return query_changes_response(parsed, changes, str(current))
