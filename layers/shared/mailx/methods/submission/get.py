"""RFC 8621 §7.1 (RFC 8620 §5.1): EmailSubmission/get, from one Query of the account's submissions."""

from __future__ import annotations

from typing import Any

from mailx.methods.submission.rules import PROPERTIES, to_json
from mailx.protocol.context import CallContext
from mailx.protocol.standard_get import answer_from_records, parse_get
from mailx.server.limits import LIMITS
from mailx.store import submissions


def email_submission_get(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """EmailSubmission/get: `ids` null returns every submission the account still has."""
    request = parse_get(args, call, LIMITS.max_objects_in_get, known_properties=PROPERTIES)
    account_id = request.account_id
    state = call.services.state(account_id, submissions.TYPE_NAME)
    records = {r.submission_id: to_json(r) for r in submissions.list_all(account_id)}
    return answer_from_records(request, state, records, PROPERTIES)
