"""RFC 9425 §4.3: Quota/changes over the derived Quota state (store.quota).

The state is a count of every usage or limit change, without a log: any step since `sinceState`
reports both quotas as updated, with `updatedProperties` null (the RFC's answer when the server
cannot tell that only `used` changed). A state from the future or not a number is
cannotCalculateChanges.
"""

from __future__ import annotations

from typing import Any

from mailx.methods.quota._objects import load
from mailx.protocol.context import CallContext
from mailx.protocol.errors import CANNOT_CALCULATE_CHANGES, MethodError
from mailx.protocol.standard_changes import ChangesPage, changes_response, parse_changes, parse_modseq_state


def quota_changes(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """Quota/changes: nothing, or both quotas updated."""
    parsed = parse_changes(args, call)
    records, state = load(call, parsed.account_id)
    since = parse_modseq_state(parsed.since_state, "Quota state")
    if since > int(state):
        raise MethodError(CANNOT_CALCULATE_CHANGES, f"unknown Quota state {since}")
    updated = sorted(records) if since < int(state) else []
    if parsed.max_changes is not None and len(updated) > parsed.max_changes:
        # Both quotas change together; a page of one cannot name an intermediate state.
        raise MethodError(CANNOT_CALCULATE_CHANGES, "maxChanges is smaller than the number of quotas (2)")
    page = ChangesPage([], updated, [], int(state), False)
    return changes_response(parsed, page, state, updatedProperties=None)
