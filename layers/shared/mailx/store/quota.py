"""Per-account quotas (RFC 9425): what is used, the operator's limits, and the Quota state.

Usage lives in the account item (`used_octets`: the sum of the `size` of every Email, `used_count`: the
number of Emails) and is moved by `Txn.charge` inside the very transaction that creates or destroys an
Email (store.emails, store.email_writes), so it is exact under any concurrency: two writers cannot
both see room for one more message, since each conditions its commit on the usage it leaves.

Limits: each resource has a `hardLimit` (a write that would pass it is refused with overQuota) and
optional `warnLimit`/`softLimit`, shown to clients but not enforced. An account without its own limits
uses QUOTA_OCTETS_DEFAULT / QUOTA_COUNT_DEFAULT. Changing an account's limits moves `quota_version`.

The Quota state is derived, not logged: the Email modseq (every usage change is an Email create or
destroy) plus `quota_version` (every limit change). Both only grow, so the sum moves whenever a Quota
may have changed; Quota/changes then reports both quotas as updated.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.update import Action

from mailx.store import tables
from mailx.store.config_store import effective_settings
from mailx.store.errors import NotFound
from mailx.store.models import Account

Resource = Literal["octets", "count"]
RESOURCES: tuple[Resource, ...] = ("octets", "count")
TYPE_NAME = "Quota"
LEVELS = ("hardLimit", "warnLimit", "softLimit")
# The account attributes a quota decision reads, in one GetItem with the states.
ATTRIBUTES = ("used_octets", "used_count", "quota_limits", "quota_version")


@dataclass(frozen=True)
class Limit:
    """One resource's limits; only `hard` is enforced."""

    hard: int
    warn: int | None = None
    soft: int | None = None


@dataclass(frozen=True)
class QuotaView:
    """An account's usage and limits as read together (custom: the account has limits of its own)."""

    used: Mapping[Resource, int]
    limits: Mapping[Resource, Limit]
    version: int
    custom: bool


def default_limits() -> dict[Resource, Limit]:
    settings = effective_settings()
    return {"octets": Limit(settings.quota_octets_default), "count": Limit(settings.quota_count_default)}


def parse_limits(raw: str | None) -> dict[Resource, Limit] | None:
    """The stored JSON ({"octets": {"hardLimit": n, ...}, ...}), or None when the account has none."""
    if not raw:
        return None
    data: dict[str, Any] = json.loads(raw)
    defaults = default_limits()
    found: dict[Resource, Limit] = {}
    for resource in RESOURCES:
        entry = data.get(resource)
        if not isinstance(entry, dict):
            found[resource] = defaults[resource]
            continue
        found[resource] = Limit(int(entry["hardLimit"]), entry.get("warnLimit"), entry.get("softLimit"))
    return found


def view_of(item: Account) -> QuotaView:
    """The QuotaView of an account item read with ATTRIBUTES."""
    custom = parse_limits(item.quota_limits)
    return QuotaView(
        used={"octets": int(item.used_octets or 0), "count": int(item.used_count or 0)},
        limits=custom or default_limits(),
        version=int(item.quota_version or 0),
        custom=custom is not None,
    )


def derived_state(states: Mapping[str, int], version: int) -> int:
    """The Quota modseq: the Email modseq plus the limits' version (see the module docstring)."""
    return int(states.get("Email", 0)) + version


def read(account_id: str) -> tuple[QuotaView, int]:
    """The account's QuotaView and Quota state, from one strongly consistent GetItem."""
    tables.bind()
    try:
        item = Account.get(
            account_id, consistent_read=True, attributes_to_get=["account_id", "states", *ATTRIBUTES]
        )
    except DoesNotExist:
        raise NotFound(account_id) from None
    raw: dict[str, Any] = item.states.as_dict() if item.states else {}  # type: ignore[no-untyped-call]
    view = view_of(item)
    return view, derived_state({str(k): int(v) for k, v in raw.items()}, view.version)


def set_usage(account_id: str, used: Mapping[Resource, int], email_state: int) -> bool:
    """Overwrite the usage with a recount made at Email state EMAIL_STATE; False (nothing written) if
    an Email was created or destroyed since, so a recount can never lose a concurrent write."""
    tables.bind()
    path = Account.states["Email"]
    unchanged = path.does_not_exist() | (path == 0) if email_state == 0 else path == email_state
    actions: list[Action] = [Account.used_octets.set(used["octets"]), Account.used_count.set(used["count"])]
    try:
        Account(account_id=account_id).update(
            actions=actions, condition=Account.account_id.exists() & unchanged
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def check_limit(limit: Limit) -> None:
    """warnLimit ≤ softLimit ≤ hardLimit where given (RFC 9425 §4.1 SHOULD); ValueError otherwise."""
    levels = [v for v in (limit.warn, limit.soft, limit.hard) if v is not None]
    if any(v < 0 for v in levels) or levels != sorted(levels):
        raise ValueError("limits must be non-negative with warnLimit <= softLimit <= hardLimit")


def set_limits(account_id: str, limits: Mapping[Resource, Limit] | None) -> None:
    """Give the account its own limits (None: back to the deployment defaults); moves the Quota state."""
    tables.bind()
    if limits is not None:
        for limit in limits.values():
            check_limit(limit)
    encoded = None
    if limits is not None:
        encoded = json.dumps(
            {
                resource: {"hardLimit": limit.hard, "warnLimit": limit.warn, "softLimit": limit.soft}
                for resource, limit in limits.items()
            },
            sort_keys=True,
        )
    action = Account.quota_limits.set(encoded) if encoded is not None else Account.quota_limits.remove()
    try:
        Account(account_id=account_id).update(
            actions=[action, Account.quota_version.add(1)], condition=Account.account_id.exists()
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise NotFound(account_id) from None
        raise
