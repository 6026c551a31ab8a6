"""Resend delivery webhooks (svix-signed) -> each submission's event history and deliveryStatus (RFC 8621 §7).

`receive` is the whole path: no secret configured answers 503 (Resend keeps retrying until it is set); a
missing, wrong or stale (±5 minutes) signature 401, storing nothing; a svix-id already kept 200 with
nothing changed; a failure while storing 503, so that Resend retries. Resend reports one status per
message, not per recipient, so an event applies to every recipient of the submission. `yes` and `no`
are final: an event arriving out of order never moves a recipient back. See docs/webhooks.md.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from mailx.store import relay_events, transactions
from mailx.store.errors import Conflict
from mailx.store.relay_events import EventRecord, Loaded
from mailx.store.retry import RetriesExhausted, with_retries

logger = logging.getLogger("mailx.delivery")

MAX_REPLY = 400
FINAL = frozenset({"yes", "no"})
OPENED = "email.opened"
RECORD_ONLY = frozenset({"email.complained", "email.clicked"})
MOVES = frozenset(
    {
        "email.sent",
        "email.delivery_delayed",
        "email.delivered",
        "email.bounced",
        "email.failed",
        "email.suppressed",
    }
)
KNOWN = MOVES | RECORD_ONLY | {OPENED}
KEPT_DATA = ("to", "bounce", "failed", "suppressed", "click")


@dataclass(frozen=True)
class Reply:
    """The HTTP answer to Resend and a one-word outcome for logs and metrics."""

    status: int
    outcome: str


@dataclass(frozen=True)
class WebhookEvent:
    """The parts of a Resend webhook payload this server uses."""

    type: str
    created_at: str
    email_id: str
    data: dict[str, Any]


class BadSignature(Exception):
    """The svix headers are missing, do not match the body, or are outside the ±5 minute window."""


def verify(body: bytes, headers: Mapping[str, str], secret: str) -> None:
    """Check the svix signature over BODY with SECRET (`whsec_<base64>`); BadSignature otherwise."""
    lowered = {k.lower(): v for k, v in headers.items()}
    # Svix is Standard Webhooks under other header names.
    renamed = {f"webhook-{n}": lowered.get(f"svix-{n}", "") for n in ("id", "timestamp", "signature")}
    try:
        Webhook(secret).verify(body.decode("utf-8"), renamed, json_parse=False)
    except (WebhookVerificationError, ValueError) as exc:  # ValueError: bad base64, UTF-8 or layout
        raise BadSignature(str(exc) or type(exc).__name__) from None


def parse(body: bytes) -> WebhookEvent | None:
    """The event in a verified body, or None when it is not a Resend event object."""
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
        return None
    data: dict[str, Any] = payload["data"]
    event_type, email_id = payload.get("type"), data.get("email_id")
    if not isinstance(event_type, str) or not isinstance(email_id, str):
        return None
    created_at = str(payload.get("created_at") or data.get("created_at") or "")
    return WebhookEvent(event_type, created_at, email_id, data)


def _text(value: Any) -> str:
    return " ".join(str(value or "").split())


def _reply(code: str, fallback: str, raw: Any) -> str:
    """An smtpReply: the relay's own SMTP reply when it gave one, else CODE and a description."""
    detail = _text(raw)
    if detail[:3].isdigit() and detail[3:4] in (" ", "-"):
        return detail[:MAX_REPLY]
    return f"{code} {fallback}: {detail}"[:MAX_REPLY] if detail else f"{code} {fallback}"


def _part(data: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def _move(event: WebhookEvent) -> tuple[str, str]:
    """(delivered, smtpReply) an event stands for."""
    if event.type == "email.bounced":
        bounce = _part(event.data, "bounce")
        kind = "/".join(_text(bounce.get(k)) for k in ("type", "subType") if bounce.get(k))
        return "no", _reply("550 5.0.0", f"Bounced ({kind})" if kind else "Bounced", bounce.get("message"))
    if event.type == "email.failed":
        return "no", _reply("554 5.0.0", "Send failed", _part(event.data, "failed").get("reason"))
    if event.type == "email.suppressed":
        found = _part(event.data, "suppressed")
        kind = _text(found.get("type"))
        label = f"Suppressed ({kind})" if kind else "Suppressed"
        return "no", _reply("550 5.7.1", label, found.get("message"))
    if event.type == "email.delivered":
        return "yes", "250 2.0.0 Delivered"
    if event.type == "email.delivery_delayed":
        return "queued", "451 4.4.7 Delivery delayed"
    return "queued", "250 2.0.0 Sent"


def next_status(status: Mapping[str, str], event: WebhookEvent) -> dict[str, str]:
    """One recipient's deliveryStatus after EVENT: final states never move; `sent` never overtakes news."""
    current = {"smtpReply": "", "delivered": "unknown", "displayed": "unknown", **status}
    if event.type == OPENED:
        return {**current, "displayed": "yes"}
    if event.type not in MOVES or current["delivered"] in FINAL:
        return current
    if event.type == "email.sent" and current["delivered"] != "unknown":
        return current  # a delay was reported first: being sent is older news
    delivered, reply = _move(event)
    return {**current, "delivered": delivered, "smtpReply": reply}


def next_statuses(
    statuses: Mapping[str, Mapping[str, str]], event: WebhookEvent
) -> dict[str, dict[str, str]]:
    """Every recipient's deliveryStatus after EVENT (Resend reports per message, so all move alike)."""
    return {rcpt: next_status(status, event) for rcpt, status in statuses.items()}


def _attempt(loaded: Loaded, event: WebhookEvent, kept: EventRecord) -> str:
    statuses = next_statuses(loaded.record.delivery_status, event)
    txn = transactions.Txn(loaded.account_id)
    relay_events.stage_event(txn, loaded.record.submission_id, kept)
    changed = statuses != loaded.record.delivery_status
    if changed:
        relay_events.stage_delivery_status(txn, loaded, statuses)
    transactions.commit(txn)
    return "applied" if changed else "recorded"


def apply(event: WebhookEvent, svix_id: str, now: int | None = None) -> str:
    """Keep EVENT in its submission's history and move deliveryStatus; the outcome in one word."""
    if event.type not in KNOWN:
        logger.info("ignored webhook type %s", event.type)
        return "ignored-type"
    found = relay_events.find_relay(event.email_id)
    if found is None:
        logger.warning("webhook for an unknown email_id %s (%s)", event.email_id, event.type)
        return "unknown-email"
    received = int(time.time()) if now is None else now
    data = {k: event.data[k] for k in KEPT_DATA if k in event.data}
    kept = EventRecord(event.type, event.created_at, svix_id, received, data)

    def attempt() -> str:
        loaded = relay_events.load(*found)
        if loaded is None:
            logger.info("webhook for submission %s, which is gone", found[1])
            return "gone"
        try:
            return _attempt(loaded, event, kept)
        except Conflict as exc:
            if str(exc) == relay_events.event_tag(svix_id):
                return "duplicate"
            raise  # the record changed since it was read (another event, a destroy): read it again

    try:
        return with_retries(attempt)
    except RetriesExhausted as exc:
        raise Conflict(f"submission {found[1]} kept changing") from exc


def receive(body: bytes, headers: Mapping[str, str], secret: str) -> Reply:
    """Verify, deduplicate by svix-id and apply one webhook delivery."""
    if not secret:
        logger.error("RESEND_WEBHOOK_SECRET is not configured; refusing webhooks until it is")
        return Reply(503, "unconfigured")
    try:
        verify(body, headers, secret)
    except BadSignature as exc:
        logger.warning("rejected a webhook: %s", exc)
        return Reply(401, "unauthorized")
    event = parse(body)
    if event is None:
        logger.error("signed webhook body is not a Resend event")
        return Reply(400, "malformed")
    svix_id = {k.lower(): v for k, v in headers.items()}["svix-id"]
    # Deduplicated by the history item, written with the status in one transaction: a marker written
    # before it would survive a crash in between, and Resend's retry would be taken for a duplicate.
    try:
        return Reply(200, apply(event, svix_id))
    except Exception:
        logger.exception("could not store webhook %s; answering 503 so that Resend retries", svix_id)
        return Reply(503, "retry")


def history(account_id: str, submission_id: str) -> list[dict[str, Any]] | None:
    """The submission's delivery events as wire JSON, oldest first; None when it does not exist (for us)."""
    loaded = relay_events.load(account_id, submission_id)
    if loaded is None or loaded.record.hidden:
        return None
    return [
        {
            "type": e.type,
            "createdAt": e.created_at,
            "svixId": e.svix_id,
            "receivedAt": e.received_at,
            "data": e.data,
        }
        for e in relay_events.history(account_id, submission_id)
    ]
