"""RFC 8621 §7.4 (RFC 8620 §5.6): EmailSubmission/queryChanges from the EmailSubmission change log.

Every submission changed since `sinceQueryState` may have moved (undoStatus is filterable and changes
under the client), so all of them are "removed" and those still in the results "added" back.
"""

from __future__ import annotations

from typing import Any

from mailx.methods.email_submission.query import SORTABLE, condition_parser, results
from mailx.protocol.context import CallContext
from mailx.protocol.errors import CANNOT_CALCULATE_CHANGES, MethodError
from mailx.protocol.standard_query_changes import parse_query_changes, query_changes, query_changes_response
from mailx.store import submissions, transactions
from mailx.store.errors import ChangesExpired


def _since(value: str) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 15:
        raise MethodError(CANNOT_CALCULATE_CHANGES, f"{value!r} is not an EmailSubmission query state")
    return int(value)


def email_submission_query_changes(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """removed/added since `sinceQueryState`; cannotCalculateChanges once the log has expired."""
    parsed = parse_query_changes(args, call, parse_condition=condition_parser(call), sortable=SORTABLE)
    since = _since(parsed.since_query_state)
    current = int(call.services.state(parsed.account_id, submissions.TYPE_NAME))
    if since > current:  # the consumer or a concurrent request wrote since this request read the state
        call.services.refresh(parsed.account_id)
        current = int(call.services.state(parsed.account_id, submissions.TYPE_NAME))
    try:
        log = list(transactions.read_changes(parsed.account_id, submissions.TYPE_NAME, since, current))
    except ChangesExpired as exc:
        raise MethodError(CANNOT_CALCULATE_CHANGES, str(exc)) from None
    changed = dict.fromkeys(i for entry in log for i in (*entry.created, *entry.updated))
    destroyed = [i for entry in log for i in entry.destroyed]
    ids = results(submissions.list_all(parsed.account_id), parsed.filter, parsed.sort)
    changes = query_changes(
        ids, changed, destroyed, parsed.up_to_id, parsed.max_changes, parsed.calculate_total
    )
    return query_changes_response(parsed, changes, str(current))
