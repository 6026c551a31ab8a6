"""The operator's side of quotas (RFC 9425): show an account's usage and limits, set or clear its own.

Limits are per account; an account without its own uses QUOTA_OCTETS_DEFAULT and QUOTA_COUNT_DEFAULT
(`mailx config set` changes those for every such account). Usage is never set by hand: it moves only
with the Emails themselves (mailx.store.quota).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mailx.store import email_reads, quota, transactions
from mailx.store.errors import Conflict


def show(account_id: str) -> dict[str, Any]:
    """`{"accountId", "custom", "quotas": {resource: {used, hardLimit, warnLimit, softLimit}}}`."""
    view, _ = quota.read(account_id)
    return {
        "accountId": account_id,
        "custom": view.custom,
        "quotas": {
            resource: {
                "used": max(0, view.used[resource]),
                "hardLimit": view.limits[resource].hard,
                "warnLimit": view.limits[resource].warn,
                "softLimit": view.limits[resource].soft,
            }
            for resource in quota.RESOURCES
        },
    }


def recount(account_id: str, attempts: int = 5) -> dict[str, Any]:
    """Set the usage from the Emails actually stored (one Query of the account's partition): for
    accounts created before quotas were counted, or to check. The write is conditioned on the Email
    state the recount was made at; a concurrent create or destroy makes it try again."""
    for _ in range(attempts):
        email_state = transactions.get_states(account_id).get("Email", 0)
        records = email_reads.listing(account_id, with_summary=False)
        counted: dict[quota.Resource, int] = {"octets": sum(r.size for r in records), "count": len(records)}
        if quota.set_usage(account_id, counted, email_state):
            return show(account_id)
    raise Conflict("the account kept changing during the recount; try again")


def set_limits(account_id: str, given: Mapping[str, Mapping[str, int | None] | None]) -> dict[str, Any]:
    """Store the limits given per resource (a resource left out or null keeps the deployment default;
    nothing given clears the account's own limits). ValueError for inconsistent levels."""
    chosen: dict[quota.Resource, quota.Limit] = {}
    for resource in quota.RESOURCES:
        entry = given.get(resource)
        if entry is None:
            continue
        hard = entry.get("hardLimit")
        if hard is None:
            raise ValueError(f"{resource}: hardLimit is required")
        chosen[resource] = quota.Limit(hard, entry.get("warnLimit"), entry.get("softLimit"))
    quota.set_limits(account_id, chosen or None)
    return show(account_id)
