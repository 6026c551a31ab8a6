"""RFC 8621 §7.1 (RFC 8620 §5.1): EmailSubmission/get, by id (BatchGetItem) or every one (one Query).

Submissions accumulate with every send, so reading the whole partition for a few ids would make the
call's cost grow with the account's history: ids are read by key, and `ids: null` answers
requestTooLarge past maxObjectsInGet (RFC 8620 §5.1 allows it) instead of reading without bound.
"""

from __future__ import annotations

from typing import Any

from mailx.limits import LIMITS
from mailx.methods.email_submission._rules import PROPERTIES, to_json
from mailx.protocol.context import CallContext
from mailx.protocol.errors import REQUEST_TOO_LARGE, MethodError
from mailx.protocol.standard_get import answer_from_records, parse_get
from mailx.store import submissions


def email_submission_get(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """EmailSubmission/get: by id, or (`ids` null) every submission the account still has."""
    request = parse_get(args, call, LIMITS.max_objects_in_get, known_properties=PROPERTIES)
    account_id = request.account_id
    state = call.services.state(account_id, submissions.TYPE_NAME)
    if request.ids is None:
        every = submissions.list_visible(account_id, LIMITS.max_objects_in_get)
        if every is None:
            raise MethodError(
                REQUEST_TOO_LARGE,
                f"more than {LIMITS.max_objects_in_get} submissions (maxObjectsInGet): ask for them by id",
            )
        records = {r.submission_id: to_json(r) for r in every}
    else:
        records = {i: to_json(r) for i, r in submissions.get_many(account_id, request.ids).items()}
    return answer_from_records(request, state, records, PROPERTIES)
