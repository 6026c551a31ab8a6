"""RFC 8620 §7.2.2: PushSubscription/set — create (then POST the PushVerification), update, destroy.

No `accountId`, no `ifInState`, no `oldState`/`newState`: subscriptions carry no state. Each create is
its own conditional item write, after the checks: the URL passes the SSRF rules (a refused URL is an
`invalidProperties` SetError on `url`), the account holds fewer than PUSH_SUBSCRIPTIONS_MAX
(`overQuota`) and has attempted fewer than PUSH_SUBSCRIPTION_CREATES_PER_HOUR creates in the last
hour, refused ones included, since each check resolves a client-chosen name (`rateLimit`; §8.6 asks
for both limits). The verification POST is made before the response, with
one try each, side by side, within the request timeouts of mailx.push.safe_http; the client must
cope with it arriving first (§7.2.3).
"""

from __future__ import annotations

import time
from typing import Any

from mailx.config import Settings
from mailx.ids import new_id
from mailx.limits import LIMITS
from mailx.methods.push_subscription import _rules
from mailx.methods.push_subscription._owner import owner
from mailx.protocol.context import CallContext
from mailx.protocol.errors import INVALID_ARGUMENTS, OVER_QUOTA, RATE_LIMIT, MethodError, SetError
from mailx.protocol.patch import apply_patch
from mailx.protocol.standard_set import SetResult, parse_operations
from mailx.push import webpush
from mailx.store import kv, push_subscriptions
from mailx.store.config_store import effective_settings
from mailx.store.errors import NotFound
from mailx.store.push_subscriptions import PushSubscriptionRecord

CREATE_WINDOW_SECONDS = 3600


class _Call:
    """One /set call on the owner's subscriptions, read once and kept current as it goes."""

    def __init__(self, call: CallContext, account_id: str, settings: Settings) -> None:
        self.call = call
        self.account_id = account_id
        self.settings = settings
        self.result = SetResult(account_id=account_id, old_state=None)
        self.records = {r.subscription_id: r for r in push_subscriptions.list_all(account_id)}
        self.to_verify: list[PushSubscriptionRecord] = []

    def create(self, creation_id: str, obj: dict[str, Any]) -> None:
        if len(self.records) >= self.settings.push_subscriptions_max:
            limit = self.settings.push_subscriptions_max
            self.result.create_failed(
                creation_id, SetError(OVER_QUOTA, f"at most {limit} push subscriptions")
            )
            return
        # Counted before the checks: checking a URL resolves a client-chosen name, which is rationed too.
        count = kv.increment(f"{self.account_id}#pushsubscription-creates", CREATE_WINDOW_SECONDS)
        if count > self.settings.push_subscription_creates_per_hour:
            limit = self.settings.push_subscription_creates_per_hour
            limited = SetError(RATE_LIMIT, f"at most {limit} push subscriptions may be created per hour")
            self.result.create_failed(creation_id, limited)
            return
        try:
            record, reported = _rules.check_create(
                obj,
                self.account_id,
                new_id("P"),
                self.settings,
                time.time(),
                self.call.request.credential_key,
            )
        except SetError as error:
            self.result.create_failed(creation_id, error)
            return
        push_subscriptions.put_new(record)
        self.records[record.subscription_id] = record
        self.call.add_created_id(creation_id, record.subscription_id)  # "#id" in this call's update/destroy
        self.result.create_ok(creation_id, reported)
        self.to_verify.append(record)

    def update(self, key: str, patch: dict[str, Any]) -> None:
        target = self.call.resolve_id(key)
        record = self.records.get(target) if target is not None else None
        if target is None or record is None:
            self.result.update_failed(key, SetError.not_found(f"no push subscription {key!r}"))
            return
        try:
            patched = apply_patch(_rules.to_json(record, private=True), patch)
            verified, expires, expires_at, types = _rules.check_update(
                record, patched, self.settings, time.time()
            )
            push_subscriptions.update(
                record, verified=verified, expires=expires, expires_at=expires_at, types=types
            )
        except SetError as error:
            self.result.update_failed(key, error)
            return
        except NotFound:
            self.result.update_failed(key, SetError.not_found(f"no push subscription {key!r}"))
            return
        # `expires` is reported whenever the client set it: the server may have changed the value.
        self.result.update_ok(target, {"expires": expires} if "expires" in patch else None)

    def destroy(self, key: str) -> None:
        target = self.call.resolve_id(key)
        if target is None or target not in self.records:
            self.result.destroy_failed(key, SetError.not_found(f"no push subscription {key!r}"))
            return
        push_subscriptions.delete(self.account_id, target)
        del self.records[target]
        self.result.destroy_ok(target)


def push_subscription_set(call: CallContext, args: dict[str, Any]) -> dict[str, Any]:
    """PushSubscription/set: the standard /set response without accountId, oldState and newState."""
    account_id = owner(call)
    if args.get("ifInState") is not None:
        raise MethodError(INVALID_ARGUMENTS, "PushSubscription/set takes no ifInState (RFC 8620 §7.2.2)")
    create, update, destroy = parse_operations(args, LIMITS.max_objects_in_set)
    work = _Call(call, account_id, effective_settings())
    for creation_id, obj in create.items():
        work.create(creation_id, obj)
    for key, patch in update.items():
        work.update(key, patch)
    for key in destroy:
        work.destroy(key)
    # Those still there (a create may be destroyed in the same call) get their PushVerification now.
    webpush.send_verifications(
        [r for r in work.to_verify if r.subscription_id in work.records], work.settings
    )
    response = work.result.to_response()
    for name in ("accountId", "oldState", "newState"):
        del response[name]
    return response
