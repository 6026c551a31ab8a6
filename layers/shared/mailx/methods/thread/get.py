"""RFC 8621 §3.1: Thread/get, a standard /get; emailIds sorted by receivedAt, equal dates by id."""

from __future__ import annotations

from typing import Any

from mailx.limits import LIMITS
from mailx.protocol.context import CallContext
from mailx.protocol.errors import REQUEST_TOO_LARGE, MethodError
from mailx.protocol.standard_get import get_response, parse_get, select_properties
from mailx.store import threads

PROPERTIES = ("id", "emailIds")


def thread_get(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """Thread/get: one BatchGetItem per 100 ids; a thread merged into another is notFound."""
    request = parse_get(args, call, LIMITS.max_objects_in_get, known_properties=PROPERTIES)
    account_id = request.account_id
    state = call.services.state(account_id, "Thread")
    ids = request.ids
    if ids is None:
        ids = threads.list_ids(account_id, LIMITS.max_objects_in_get)
        if len(ids) > LIMITS.max_objects_in_get:
            raise MethodError(
                REQUEST_TOO_LARGE, "the account has more Threads than maxObjectsInGet; pass ids"
            )
    found = {t: r for t, r in threads.get_many(account_id, ids).items() if r.merged_into is None}
    listed = [
        select_properties({"id": t, "emailIds": found[t].email_ids}, request.properties, PROPERTIES)
        for t in ids
        if t in found
    ]
    return get_response(account_id, state, listed, [t for t in ids if t not in found])
