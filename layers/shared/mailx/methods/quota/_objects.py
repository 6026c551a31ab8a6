"""RFC 9425 §4.1: the two Quota objects of an account, built from store.quota's usage and limits.

`octets` is the sum of the sizes of the account's Emails and `count` their number; both are of
scope `account` and apply to the `Mail` data type (RFC 9425's example name for the mail types).
RFC 9425 §4.1 says a Quota whose types the client did not ask for in `using` is not returned: both
types need the mail capability, so without it the account has no Quota objects.
"""

from __future__ import annotations

from typing import Any

from mailx.protocol.capabilities import MAIL
from mailx.protocol.context import CallContext
from mailx.store import quota

PROPERTIES = ("id", "resourceType", "used", "hardLimit", "warnLimit", "softLimit", "scope", "name",
              "types", "description")  # fmt: skip
TYPES = ["Mail"]
_NAMES = {"octets": "Mail storage", "count": "Messages"}
_DESCRIPTIONS = {
    "octets": "The size of every message in the account, in octets. At the hard limit, new messages "
    "cannot be created, imported or copied in; mail from outside is still delivered.",
    "count": "The number of messages in the account. At the hard limit, new messages cannot be "
    "created, imported or copied in; mail from outside is still delivered.",
}


def visible(call: CallContext) -> bool:
    """Whether the client named the capability of the types the quotas apply to."""
    return MAIL in call.request.using


def objects(view: quota.QuotaView) -> dict[str, dict[str, Any]]:
    """Both Quota objects by id (the id is the resource type)."""
    found: dict[str, dict[str, Any]] = {}
    for resource in quota.RESOURCES:
        limit = view.limits[resource]
        found[resource] = {
            "id": resource,
            "resourceType": resource,
            "used": max(0, view.used[resource]),
            "hardLimit": limit.hard,
            "warnLimit": limit.warn,
            "softLimit": limit.soft,
            "scope": "account",
            "name": _NAMES[resource],
            "types": list(TYPES),
            "description": _DESCRIPTIONS[resource],
        }
    return found


def load(call: CallContext, account_id: str) -> tuple[dict[str, dict[str, Any]], str]:
    """The Quota objects the client may see, and the Quota state (one consistent read)."""
    view, state = quota.read(account_id)
    return (objects(view) if visible(call) else {}), str(state)
