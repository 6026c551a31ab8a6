"""RFC 8620 §7.2.1: PushSubscription/get, the signed-in account's subscriptions from one Query.

No `accountId` in or out and no `state`; `url` and `keys` are never returned, and asking for them is
`forbidden`.
"""

from __future__ import annotations

from typing import Any

from mailx.limits import LIMITS
from mailx.methods.push_subscription._owner import owner
from mailx.methods.push_subscription._rules import DEFAULT_GET, PRIVATE, PROPERTIES, to_json
from mailx.protocol.context import CallContext
from mailx.protocol.errors import FORBIDDEN, REQUEST_TOO_LARGE, MethodError
from mailx.protocol.standard_get import check_properties, parse_ids, select_properties
from mailx.protocol.validate import opt_str_list
from mailx.store import push_subscriptions


def push_subscription_get(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """PushSubscription/get: `ids` null returns them all (an account holds a few dozen at most)."""
    account_id = owner(call)
    ids = parse_ids(args.get("ids"), "ids", call)
    if ids is not None and len(ids) > LIMITS.max_objects_in_get:
        raise MethodError(REQUEST_TOO_LARGE, f"at most {LIMITS.max_objects_in_get} ids (maxObjectsInGet)")
    properties = opt_str_list(args, "properties")
    if properties is not None:
        if PRIVATE.intersection(properties):
            raise MethodError(FORBIDDEN, "url and keys of a push subscription are never returned")
        check_properties(properties, PROPERTIES)
    records = {r.subscription_id: to_json(r) for r in push_subscriptions.list_all(account_id)}
    wanted = list(records) if ids is None else ids
    found = [select_properties(records[i], properties, DEFAULT_GET) for i in wanted if i in records]
    return {"list": found, "notFound": [i for i in wanted if i not in records]}
