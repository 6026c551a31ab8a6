"""Web Push delivery for PushSubscriptions (RFC 8620 §7.2): the verification POST and the StateChange sink.

`deliver` is a `mailx.push.feed.Sink`: for each account in a batch of StateChangeEvents it reads the
account's subscriptions (one Query), keeps the verified, unexpired ones whose `types` include a type
that changed, and POSTs each a StateChange naming those types. Every request goes through
`safe_http` (the SSRF rules), carries `TTL` and `Urgency` (RFC 8030 §5) and a VAPID `Authorization`
(RFC 8292), and its body is encrypted (RFC 8291, `aes128gcm`) when the subscription has `keys`.

Failures: a 5xx or no answer is retried with backoff; a 404 or 410 removes the subscription at once
(the push service says it is gone); 429 holds further pushes for its Retry-After; after
MAX_CONSECUTIVE_FAILURES failed deliveries in a row the subscription is removed. A delivery problem
never raises: the sink raises only when the store cannot be read, which is worth retrying the batch.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from mailx.config import Settings
from mailx.protocol.websocket import state_change
from mailx.push import ece, safe_http, vapid
from mailx.push.feed import StateChangeEvent
from mailx.store import kv, push_subscriptions
from mailx.store.config_store import effective_settings
from mailx.store.push_subscriptions import PushSubscriptionRecord

logger = logging.getLogger("mailx.push.webpush")

TTL_SECONDS = 86400  # how long a push service may hold a message for an offline device
URGENCY = "normal"
ATTEMPTS = 3  # per delivery: the first try and two retries
BACKOFF_SECONDS = (0.25, 1.0)  # before the second and third try
MAX_CONSECUTIVE_FAILURES = 5
RETRY_AFTER_DEFAULT_SECONDS = 60
RETRY_AFTER_MAX_SECONDS = 3600
MAX_PARALLEL = 8


@dataclass(frozen=True)
class Outcome:
    """How one delivery ended: `delivered`, `gone`, `held`, `failed` or `refused` (SSRF rules)."""

    kind: str
    status: int | None = None


@dataclass
class _Io:
    """What a delivery uses from the outside world (tests replace the resolver and the sleep)."""

    resolve: safe_http.Resolver = safe_http.system_resolver
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time


IO = _Io()


def _headers(url: str, settings: Settings, encrypted: bool) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "TTL": str(TTL_SECONDS),
        "Urgency": URGENCY,
        "Authorization": vapid.authorization(url, settings),
    }
    if encrypted:
        headers["Content-Encoding"] = "aes128gcm"
    return headers


def _body(record: PushSubscriptionRecord, payload: Mapping[str, object]) -> tuple[bytes, bool]:
    data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if record.p256dh is not None and record.auth is not None:
        return ece.encrypt(data, record.p256dh, record.auth), True
    return data, False


def _retry_after(response: safe_http.PushResponse) -> int:
    text = response.headers.get("retry-after", "").strip()
    seconds = (
        int(text) if text.isascii() and text.isdigit() and len(text) < 9 else RETRY_AFTER_DEFAULT_SECONDS
    )
    return max(1, min(seconds, RETRY_AFTER_MAX_SECONDS))


def send(
    record: PushSubscriptionRecord,
    payload: Mapping[str, object],
    *,
    attempts: int = ATTEMPTS,
    settings: Settings | None = None,
) -> Outcome:
    """POST PAYLOAD to the subscription (encrypted when it has keys), retrying 5xx and timeouts.

    The URL is checked (and resolved) again on every delivery: what it resolves to may have changed
    since the subscription was created.
    """
    settings = settings or effective_settings()
    try:
        target = safe_http.check_url(
            record.url, allow_loopback=settings.push_allow_loopback, resolve=IO.resolve
        )
    except safe_http.RefusedUrl as exc:
        logger.warning("push to subscription %s refused: %s", record.subscription_id, exc)
        return Outcome("refused")
    body, encrypted = _body(record, payload)
    headers = _headers(record.url, settings, encrypted)
    status: int | None = None
    for attempt in range(attempts):
        if attempt:
            IO.sleep(BACKOFF_SECONDS[min(attempt - 1, len(BACKOFF_SECONDS) - 1)])
        try:
            response = safe_http.post(target, body, headers)
        except safe_http.PushTransportError as exc:
            logger.info("push to subscription %s: no answer (%s)", record.subscription_id, exc)
            status = None
            continue
        status = response.status
        if 200 <= status < 300:
            return Outcome("delivered", status)
        if status in (404, 410):
            return Outcome("gone", status)
        if status == 429:
            push_subscriptions.hold_until(
                record.account_id, record.subscription_id, int(IO.clock()) + _retry_after(response)
            )
            return Outcome("held", status)
        if status < 500:
            break  # 3xx (never followed) and other 4xx: retrying would get the same answer
    return Outcome("failed", status)


def settle(record: PushSubscriptionRecord, outcome: Outcome) -> None:
    """Record OUTCOME on the subscription: reset or count failures, remove it when it is gone."""
    if outcome.kind == "delivered":
        if record.failures:
            push_subscriptions.note_delivered(record.account_id, record.subscription_id)
    elif outcome.kind == "gone":
        push_subscriptions.delete(record.account_id, record.subscription_id)
    elif outcome.kind in ("failed", "refused"):
        failures = push_subscriptions.note_failed(record.account_id, record.subscription_id)
        if failures >= MAX_CONSECUTIVE_FAILURES:
            logger.info("removing push subscription %s after %d failures", record.subscription_id, failures)
            push_subscriptions.delete(record.account_id, record.subscription_id)


def verification(record: PushSubscriptionRecord) -> dict[str, str]:
    """The PushVerification object (RFC 8620 §7.2.2) for a new subscription."""
    return {
        "@type": "PushVerification",
        "pushSubscriptionId": record.subscription_id,
        "verificationCode": record.code,
    }


def send_verification(record: PushSubscriptionRecord, settings: Settings | None = None) -> Outcome:
    """POST the PushVerification to a subscription just created (one try: the client is waiting)."""
    return send(record, verification(record), attempts=1, settings=settings)


def _merge(events: Sequence[StateChangeEvent]) -> dict[str, tuple[dict[str, int], set[str]]]:
    """Per account: the newest state of every type in the batch, and the types that changed in it."""
    merged: dict[str, tuple[dict[str, int], set[str]]] = {}
    for event in events:
        states, changed = merged.setdefault(event.account_id, ({}, set()))
        for name, value in event.states.items():
            states[name] = max(value, states.get(name, value))
        changed.update(event.changed_types())
    return merged


def wanted(record: PushSubscriptionRecord, changed: set[str], now: float) -> list[str]:
    """The changed types RECORD should hear about now (none unless verified, unexpired and not held)."""
    if not record.verified or record.expires_at <= now or record.not_before > now:
        return []
    if record.types is None:
        return sorted(changed)
    return sorted(changed.intersection(record.types))


def _credentials_live(record: PushSubscriptionRecord, seen: dict[str, bool]) -> bool:
    """Whether the Bearer token that made RECORD still exists (one read per token and batch).

    RFC 8620 §7.2: a subscription MUST be destroyed when its credentials expire or are revoked.
    """
    key = record.credential_key
    if key is None:
        return True
    if key not in seen:
        seen[key] = kv.get(key) is not None
    return seen[key]


def _jobs(events: Sequence[StateChangeEvent]) -> list[tuple[PushSubscriptionRecord, dict[str, object]]]:
    """Every (subscription, StateChange) the batch calls for: one Query per changed account."""
    jobs: list[tuple[PushSubscriptionRecord, dict[str, object]]] = []
    for account_id, (states, changed) in _merge(events).items():
        if not changed:
            continue
        now = IO.clock()
        live: dict[str, bool] = {}
        for record in push_subscriptions.list_all(account_id, consistent=False):
            types = wanted(record, changed, now)
            if types and not _credentials_live(record, live):
                push_subscriptions.delete(record.account_id, record.subscription_id)
            elif types:
                jobs.append((record, state_change(account_id, {name: states[name] for name in types})))
    return jobs


def deliver(events: Sequence[StateChangeEvent]) -> None:
    """The Web Push sink (mailx.push.feed.Sink): push each changed account's StateChange to its subscriptions.

    Deliveries run side by side (MAX_PARALLEL at once), so one slow or dead endpoint holds up nobody
    else; each one's outcome is recorded on its subscription. Raises only if the store cannot be read.
    """
    jobs = _jobs(events)
    if jobs:
        settings = effective_settings()
        _in_parallel(lambda record, payload: settle(record, send(record, payload, settings=settings)), jobs)


def send_verifications(records: Sequence[PushSubscriptionRecord], settings: Settings) -> None:
    """POST each new subscription's PushVerification, side by side (a /set may create several)."""
    _in_parallel(lambda record, _: send_verification(record, settings), [(r, {}) for r in records])


def _in_parallel(
    work: Callable[[PushSubscriptionRecord, dict[str, object]], object],
    jobs: Sequence[tuple[PushSubscriptionRecord, dict[str, object]]],
) -> None:
    def run(job: tuple[PushSubscriptionRecord, dict[str, object]]) -> None:
        record, payload = job
        try:
            work(record, payload)
        except Exception:  # one subscription's fault must not stop or repeat the others' pushes
            logger.exception("push to subscription %s failed unexpectedly", record.subscription_id)

    if len(jobs) <= 1:
        for job in jobs:
            run(job)
        return
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(jobs))) as pool:
        list(pool.map(run, jobs))
