"""RFC 8621 §6.1 (RFC 8620 §5.1): Identity/get, every identity from one Query of the account's partition."""

from __future__ import annotations

from typing import Any

from mailx.limits import LIMITS
from mailx.methods.identity._rules import PROPERTIES, to_json
from mailx.protocol.context import CallContext
from mailx.protocol.standard_get import answer_from_records, parse_get
from mailx.store import identities


def identity_get(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """Identity/get: `ids` null returns them all (an account has a handful, so one Query serves any ids)."""
    request = parse_get(args, call, LIMITS.max_objects_in_get, known_properties=PROPERTIES)
    account_id = request.account_id
    state = call.services.state(account_id, identities.TYPE_NAME)
    records = {r.identity_id: to_json(r) for r in identities.list_all(account_id)}
    return answer_from_records(request, state, records, PROPERTIES)
