"""Per-account, per-type modification sequences and the change log (RFC 8620 §1.6.2, §5.2).

Every write to an account goes through `commit()`: one DynamoDB transaction that applies the caller's
writes, bumps the modseq of each changed type by exactly one (conditioned on the value it read, so two
writers can never hand out the same state) and appends one change-log item per type. A state string is
the modseq in decimal; the log is gap-free, so a missing step means it has expired.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from mailx.config import get_settings
from mailx.store import quota, tables
from mailx.store.errors import (
    BUSY_CODES,
    ChangesExpired,
    Conflict,
    NotFound,
    OverQuota,
    StateMismatch,
    StoreUnavailable,
)
from mailx.store.models import Account, Change

MAX_ATTEMPTS = 8
# Cancellation reasons of a transaction worth another attempt: a lost race on the account's states or an
# item another transaction holds, and throttling (which botocore does not retry inside a cancellation).
_THROTTLED_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"})
_RETRIED_REASONS = _THROTTLED_REASONS | {"ConditionalCheckFailed", "TransactionConflict"}


@dataclass(frozen=True)
class ChangeEntry:
    """One step of the change log."""

    modseq: int
    created: tuple[str, ...]
    updated: tuple[str, ...]
    destroyed: tuple[str, ...]


@dataclass
class _TypeChanges:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    destroyed: list[str] = field(default_factory=list)


@dataclass
class Txn:
    """The writes of one atomic change to an account, and which ids of which types they touch."""

    account_id: str
    _checks: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    _deletes: list[tuple[Model, Condition | None, str]] = field(default_factory=list)
    _puts: list[tuple[Model, Condition | None, str]] = field(default_factory=list)
    _updates: list[tuple[Model, list[Action], Condition | None, str]] = field(default_factory=list)
    _changes: dict[str, _TypeChanges] = field(default_factory=dict)
    account_actions: list[Action] = field(default_factory=list)
    _guards: dict[str, int] = field(default_factory=dict)
    _usage: dict[quota.Resource, int] = field(default_factory=lambda: {"octets": 0, "count": 0})
    # Refuse (OverQuota) a commit whose net usage growth passes a hard limit; inbound delivery leaves
    # it off, so mail from outside is never lost (docs/quotas.md).
    enforce_quota: bool = False
    # After a commit that read the account: the resources left over their hard limit (inbound mail).
    over_quota: tuple[str, ...] = ()

    def put(self, item: Model, condition: Condition | None = None, tag: str = "put") -> None:
        self._puts.append((item, condition, tag))

    def update(
        self, item: Model, actions: list[Action], condition: Condition | None = None, tag: str = ""
    ) -> None:
        self._updates.append((item, actions, condition, tag or "update"))

    def delete(self, item: Model, condition: Condition | None = None, tag: str = "delete") -> None:
        self._deletes.append((item, condition, tag))

    def check(
        self, model: type[Model], hash_key: str, range_key: str | None, condition: Condition, tag: str
    ) -> None:
        kwargs = {"model": model, "hash_key": hash_key, "range_key": range_key, "condition": condition}
        self._checks.append((kwargs, tag))

    def changed(
        self,
        type_name: str,
        *,
        created: tuple[str, ...] | list[str] = (),
        updated: tuple[str, ...] | list[str] = (),
        destroyed: tuple[str, ...] | list[str] = (),
    ) -> None:
        """Record that ids of TYPE_NAME changed; each recorded type gets one new modseq."""
        entry = self._changes.setdefault(type_name, _TypeChanges())
        entry.created.extend(created)
        entry.updated.extend(updated)
        entry.destroyed.extend(destroyed)

    def guard(self, name: str, seen: int) -> None:
        """Commit only if the account's guard NAME (see GUARDS) is still SEEN, and move it on by one.

        A guard stands for what its writer decided on; commit raises Conflict(f"guard:{name}") when
        another writer moved it since it was read.
        """
        self._guards[name] = seen

    def charge(self, octets: int, count: int) -> None:
        """Move the account's quota usage by these amounts in the same transaction (store.quota)."""
        self._usage["octets"] += octets
        self._usage["count"] += count

    def _growth(self) -> dict[quota.Resource, int]:
        return {r: d for r, d in self._usage.items() if d > 0} if self.enforce_quota else {}

    @property
    def changed_types(self) -> list[str]:
        return sorted(self._changes)


# Guards: versions in the account item that only one kind of writer moves, for decisions that the
# per-type states would invalidate too often (the Mailbox state moves with every counter change).
GUARDS = {"mailboxes": Account.mailbox_tree}


def read_guard(account_id: str, name: str) -> int:
    """The current value of guard NAME (0 when never moved); read it before what it guards."""
    return _read(account_id, [name], consistent=True)[1][name]


def get_states(account_id: str, *, consistent: bool = True) -> dict[str, int]:
    """The current modseq of every type (0 for a type never written), the derived Quota one included."""
    return _read(account_id, [], consistent=consistent)[0]


def _read(
    account_id: str, guards: list[str], *, consistent: bool
) -> tuple[dict[str, int], dict[str, int], quota.QuotaView]:
    """The states, the named guards and the quota usage and limits, in one GetItem of the account item."""
    tables.bind()
    names = [GUARDS[g].attr_name for g in guards]
    try:
        # The key too: a projection of only missing attributes reads as no item at all.
        wanted = ["account_id", "states", *quota.ATTRIBUTES, *names]
        account = Account.get(account_id, consistent_read=consistent, attributes_to_get=wanted)
    except DoesNotExist:
        raise NotFound(account_id) from None
    raw: dict[str, Any] = account.states.as_dict() if account.states else {}  # type: ignore[no-untyped-call]
    found = {g: int(getattr(account, n) or 0) for g, n in zip(guards, names, strict=True)}
    states = {str(k): int(v) for k, v in raw.items()}
    view = quota.view_of(account)
    states[quota.TYPE_NAME] = quota.derived_state(states, view.version)
    return states, found, view


_USAGE = {"octets": Account.used_octets, "count": Account.used_count}


def _check_quota(txn: Txn, view: quota.QuotaView) -> None:
    """OverQuota when the commit would take a resource past its hard limit (read with the states)."""
    for resource, delta in txn._growth().items():
        used, limit = view.used[resource], view.limits[resource].hard
        if used + delta > limit:
            raise OverQuota(resource, used, delta, limit)


def _over(view: quota.QuotaView, txn: Txn) -> tuple[str, ...]:
    """The resources over their hard limit once TXN's usage deltas are applied to VIEW."""
    return tuple(r for r in quota.RESOURCES if view.used[r] + txn._usage[r] > view.limits[r].hard)


def _usage_update(txn: Txn, view: quota.QuotaView | None) -> tuple[list[Action], Condition | None]:
    """ADD the usage deltas; when enforcing, condition on leaving each growing resource within its limit."""
    actions: list[Action] = [_USAGE[r].add(d) for r, d in txn._usage.items() if d]
    condition: Condition | None = None
    if view is not None:
        for resource, delta in txn._growth().items():
            path = _USAGE[resource]
            room = view.limits[resource].hard - delta
            clause = cast(Condition, path.does_not_exist() | (path <= room))
            condition = clause if condition is None else condition & clause
    return actions, condition


def _state_condition(type_name: str, current: int) -> Condition:
    return _at(Account.states[type_name], current)


def _at(path: Any, current: int) -> Condition:
    if current == 0:
        return cast(Condition, path.does_not_exist() | (path == 0))
    return cast(Condition, path == current)


def _build(
    txn: Txn, states: dict[str, int], now: int, view: quota.QuotaView | None = None
) -> tuple[TransactWrite, list[str], dict[str, int]]:
    """Assemble the transaction in pynamodb's send order (checks, deletes, puts, updates) with tags."""
    tx = TransactWrite(connection=tables.connection())
    tags: list[str] = []
    for kwargs, tag in txn._checks:
        tx.condition_check(
            kwargs["model"], kwargs["hash_key"], kwargs["range_key"], condition=kwargs["condition"]
        )
        tags.append(tag)
    for item, cond, tag in txn._deletes:
        tx.delete(item, condition=cond)
        tags.append(tag)
    new_states: dict[str, int] = {}
    expires = now + get_settings().change_log_retention_days * 86400
    for item, cond, tag in txn._puts:
        tx.save(item, condition=cond)
        tags.append(tag)
    for type_name, ch in sorted(txn._changes.items()):
        new_states[type_name] = states.get(type_name, 0) + 1
        entry = Change(
            key=f"{txn.account_id}#{type_name}",
            modseq=new_states[type_name],
            created=ch.created,
            updated=ch.updated,
            destroyed=ch.destroyed,
            expires_at=expires,
        )
        tx.save(entry, condition=Change.key.does_not_exist())
        tags.append("__change__")
    for item, actions, cond, tag in txn._updates:
        tx.update(item, actions=actions, condition=cond)
        tags.append(tag)
    usage_actions, usage_condition = _usage_update(txn, view)
    if new_states or txn.account_actions or txn._guards or usage_actions:
        condition: Condition = Account.account_id.exists()
        if usage_condition is not None:
            condition = condition & usage_condition
        actions = list(txn.account_actions) + usage_actions
        for type_name, value in new_states.items():
            condition = condition & _state_condition(type_name, states.get(type_name, 0))
            actions.append(Account.states[type_name].set(value))
        for name, seen in txn._guards.items():
            condition = condition & _at(GUARDS[name], seen)
            actions.append(GUARDS[name].set(seen + 1))
        tx.update(Account(account_id=txn.account_id), actions=actions, condition=condition)
        tags.append("__account__")
    return tx, tags, new_states


def commit(
    txn: Txn, *, expect: dict[str, int] | None = None, assume: dict[str, int] | None = None
) -> dict[str, int]:
    """Apply TXN atomically; return the new modseq of each changed type.

    EXPECT maps a type to the modseq the caller saw (ifInState): a different current value, or a writer
    that gets there first, raises StateMismatch. Without it, a lost race on the state is retried. A failed
    condition on one of the caller's own writes raises Conflict with that write's tag. A transaction
    DynamoDB cancels for throttling is retried here with backoff (botocore retries throttled *calls*, not
    cancelled transactions); still throttled after MAX_ATTEMPTS, or an error botocore already retried in
    vain, raises StoreUnavailable — never a retry loop on top of botocore's own.

    ASSUME is every state as the caller last knew it (read at the start of its request and kept in step
    with its own commits): the first attempt conditions on it instead of reading the account item. The
    transaction conditions on exact values either way, so a stale guess only costs a failed attempt,
    after which the states are read as usual. A guess that disagrees with EXPECT is not used, and a guess
    never decides a StateMismatch by itself.
    """
    throttled = False
    enforcing = bool(txn._growth())
    for attempt in range(MAX_ATTEMPTS):
        guessed = (
            attempt == 0
            and assume is not None
            and not txn._guards
            and not enforcing  # a quota decision needs the usage, read with the states
            and all(assume.get(t, 0) == v for t, v in (expect or {}).items())
        )
        view: quota.QuotaView | None = None
        if guessed:
            states = dict(assume or {})
        else:
            states, view = _read_and_check(txn, expect, enforcing)
        tx, tags, new_states = _build(txn, states, int(time.time()), view if enforcing else None)
        try:
            tx._commit()
            if view is not None:
                txn.over_quota = _over(view, txn)
        except TransactWriteError as exc:
            # A wrong guess is not a StateMismatch: read the states and try again, at once.
            # A failed quota condition looks like a lost state race: the next read tells which it was.
            throttled = _judge(exc, tags, None if guessed or enforcing else expect)
            if throttled or not guessed:
                time.sleep(_backoff(attempt, throttled))
            continue
        return new_states
    if throttled:
        raise StoreUnavailable(f"transaction still throttled after {MAX_ATTEMPTS} attempts")
    raise Conflict("too many concurrent writers")


def _read_and_check(
    txn: Txn, expect: dict[str, int] | None, enforcing: bool
) -> tuple[dict[str, int], quota.QuotaView]:
    """Read the account item; raise Conflict (a guard moved), StateMismatch (EXPECT) or OverQuota."""
    states, guards, view = _read(txn.account_id, list(txn._guards), consistent=True)
    for name, seen in txn._guards.items():
        if guards[name] != seen:
            raise Conflict(f"guard:{name}")
    for type_name, value in (expect or {}).items():
        if states.get(type_name, 0) != value:
            raise StateMismatch(type_name)
    if enforcing:
        _check_quota(txn, view)
    return states, view


def _judge(exc: TransactWriteError, tags: list[str], expect: dict[str, int] | None) -> bool:
    """Raise what a failed transaction means for the caller; return (to retry) whether it was throttled."""
    reasons = exc.cancellation_reasons or []
    if not reasons:  # not cancelled: throttled or failing calls that botocore has retried already
        code = exc.cause_response_code
        if code is None or code in BUSY_CODES:
            raise StoreUnavailable(f"DynamoDB transaction failed: {code or exc}") from exc
        raise exc
    failed = [tags[i] for i, r in enumerate(reasons) if r is not None and r.code != "None"]
    codes = {r.code for r in reasons if r is not None and r.code != "None"}
    own = [t for t in failed if t not in ("__account__", "__change__")]
    if own and "ConditionalCheckFailed" in codes:
        raise Conflict(own[0]) from None
    if expect and "__account__" in failed and "ConditionalCheckFailed" in codes:
        raise StateMismatch(",".join(expect)) from None
    if codes - _RETRIED_REASONS:  # ValidationError, ItemCollectionSizeLimitExceeded: retrying cannot help
        raise exc
    return bool(codes & _THROTTLED_REASONS)


def pause(attempt: int) -> None:
    """Sleep before a caller's next attempt after a lost race (jittered, doubling, at most 0.2 s)."""
    time.sleep(_backoff(attempt, throttled=False))


def _backoff(attempt: int, throttled: bool) -> float:
    """Jittered exponential backoff: short after a lost race, longer (up to 1 s) when throttled."""
    base, cap = (0.05, 1.0) if throttled else (0.005, 0.2)
    return float(min(cap, base * 2**attempt) * random.random())


def _ids(values: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in values or ())


def read_changes(account_id: str, type_name: str, since: int, current: int) -> Iterator[ChangeEntry]:
    """The log steps after SINCE, oldest first; ChangesExpired when the log no longer reaches back."""
    if since > current or since < 0:
        raise ChangesExpired(f"unknown state {since}")
    if since == current:
        return
    now = time.time()
    expected = since + 1
    for item in Change.query(
        f"{account_id}#{type_name}", Change.modseq > since, consistent_read=True, page_size=100
    ):
        if item.expires_at <= now or int(item.modseq) != expected:
            raise ChangesExpired(f"state {since} is older than the change log")
        yield ChangeEntry(int(item.modseq), _ids(item.created), _ids(item.updated), _ids(item.destroyed))
        expected += 1
        if expected > current:
            return
    if expected <= current:
        raise ChangesExpired(f"state {since} is older than the change log")


# Every JMAP data type whose state lives in the account item (RFC 8620 §1.6.2, RFC 8621).
STATE_TYPES = (
    "Mailbox",
    "Email",
    "Thread",
    "Identity",
    "EmailSubmission",
    "EmailDelivery",
    "VacationResponse",
)
