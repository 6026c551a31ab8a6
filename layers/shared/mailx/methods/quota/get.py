"""RFC 9425 §4.2: Quota/get, a standard /get over the account's two quotas."""

from __future__ import annotations

from typing import Any

from mailx.limits import LIMITS
from mailx.methods.quota._objects import PROPERTIES, load
from mailx.protocol.context import CallContext
from mailx.protocol.standard_get import answer_from_records, parse_get


def quota_get(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """Quota/get: `ids` null returns both quotas."""
    request = parse_get(args, call, LIMITS.max_objects_in_get, known_properties=PROPERTIES)
    records, state = load(call, request.account_id)
    return answer_from_records(request, state, records, PROPERTIES)
