"""PushSubscription items (RFC 8620 §7.2): one per subscription, keyed (accountId, subscriptionId).

PushSubscription has no JMAP state and no change log (§7.2.1: /get returns no `state`), so writes are
single conditional item writes, not `Txn`s. An item carries its expiry as a TTL attribute; DynamoDB
deletes expired items lazily (moto never does), so every read here drops an item whose time has come.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action

from mailx.store import tables
from mailx.store.errors import Conflict, NotFound
from mailx.store.models import PushSubscription


@dataclass(frozen=True)
class PushSubscriptionRecord:
    """One subscription as stored. `types` None means every type; `p256dh`/`auth` None: no encryption."""

    account_id: str
    subscription_id: str
    device_client_id: str
    url: str
    p256dh: str | None
    auth: str | None
    code: str
    verified: bool
    expires: str
    expires_at: int
    types: tuple[str, ...] | None
    failures: int = 0
    not_before: int = 0
    # The `kv` key of the Bearer token that created it (None for Basic credentials, which do not end):
    # while that record is gone, the credentials are revoked or expired and so is the subscription.
    credential_key: str | None = None


def _now() -> int:
    return int(time.time())


def _record(item: PushSubscription) -> PushSubscriptionRecord:
    types = None if item.types is None else tuple(json.loads(item.types))
    return PushSubscriptionRecord(
        account_id=item.account_id,
        subscription_id=item.subscription_id,
        device_client_id=item.device_client_id,
        url=item.url,
        p256dh=item.p256dh,
        auth=item.auth,
        code=item.code,
        verified=bool(item.verified),
        expires=item.expires,
        expires_at=int(item.expires_at),
        types=types,
        failures=int(item.failures or 0),
        not_before=int(item.not_before or 0),
        credential_key=item.credential_key,
    )


def list_all(account_id: str, *, consistent: bool = True) -> list[PushSubscriptionRecord]:
    """The account's unexpired subscriptions: one Query of its partition (a few dozen items at most)."""
    tables.bind()
    now = _now()
    items = PushSubscription.query(account_id, consistent_read=consistent)
    return [_record(item) for item in items if int(item.expires_at) > now]


def put_new(record: PushSubscriptionRecord) -> None:
    """Store a new subscription; Conflict if its id is taken (ids are random, so never in practice)."""
    tables.bind()
    item = PushSubscription(
        account_id=record.account_id,
        subscription_id=record.subscription_id,
        device_client_id=record.device_client_id,
        url=record.url,
        p256dh=record.p256dh,
        auth=record.auth,
        code=record.code,
        verified=record.verified,
        expires=record.expires,
        expires_at=record.expires_at,
        types=None if record.types is None else json.dumps(list(record.types)),
        failures=0,
        not_before=0,
        credential_key=record.credential_key,
    )
    try:
        item.save(condition=PushSubscription.subscription_id.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise Conflict(record.subscription_id) from None
        raise


def update(
    record: PushSubscriptionRecord,
    *,
    verified: bool,
    expires: str,
    expires_at: int,
    types: tuple[str, ...] | None,
) -> None:
    """Change the mutable properties of an existing, unexpired subscription (NotFound otherwise)."""
    tables.bind()
    item = PushSubscription(account_id=record.account_id, subscription_id=record.subscription_id)
    try:
        item.update(
            actions=[
                PushSubscription.verified.set(verified),
                PushSubscription.expires.set(expires),
                PushSubscription.expires_at.set(expires_at),
                PushSubscription.types.remove()
                if types is None
                else PushSubscription.types.set(json.dumps(list(types))),
            ],
            condition=PushSubscription.subscription_id.exists() & (PushSubscription.expires_at > _now()),
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise NotFound(record.subscription_id) from None
        raise


def delete(account_id: str, subscription_id: str) -> None:
    """Remove a subscription, URL and keys with it (§7.2: erased as soon as possible); absent is fine."""
    tables.bind()
    PushSubscription(account_id=account_id, subscription_id=subscription_id).delete()  # unconditional


def note_delivered(account_id: str, subscription_id: str) -> None:
    """A push was accepted: the consecutive-failure count starts again from zero."""
    _set_counters(account_id, subscription_id, failures=0, not_before=None)


def note_failed(account_id: str, subscription_id: str) -> int:
    """Count one more consecutive failed delivery; returns the new count (0 if the item is gone)."""
    tables.bind()
    item = PushSubscription(account_id=account_id, subscription_id=subscription_id)
    try:
        item.update(
            actions=[PushSubscription.failures.add(1)],
            condition=PushSubscription.subscription_id.exists(),
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return 0
        raise
    return int(item.failures)


def hold_until(account_id: str, subscription_id: str, epoch_seconds: int) -> None:
    """After a 429 answer: no push to this subscription before EPOCH_SECONDS."""
    _set_counters(account_id, subscription_id, failures=None, not_before=epoch_seconds)


def _set_counters(
    account_id: str, subscription_id: str, *, failures: int | None, not_before: int | None
) -> None:
    tables.bind()
    actions: list[Action] = []
    if failures is not None:
        actions.append(PushSubscription.failures.set(failures))
    if not_before is not None:
        actions.append(PushSubscription.not_before.set(not_before))
    try:
        PushSubscription(account_id=account_id, subscription_id=subscription_id).update(
            actions=actions, condition=PushSubscription.subscription_id.exists()
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


def get(account_id: str, subscription_id: str) -> PushSubscriptionRecord:
    """One unexpired subscription of the account, or NotFound."""
    tables.bind()
    if not tables.key_can_exist(subscription_id):
        raise NotFound(subscription_id)
    try:
        item = PushSubscription.get(account_id, subscription_id, consistent_read=True)
    except DoesNotExist:
        raise NotFound(subscription_id) from None
    if int(item.expires_at) <= _now():
        raise NotFound(subscription_id)
    return _record(item)
