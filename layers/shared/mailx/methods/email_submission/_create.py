"""RFC 8621 §7.5: one EmailSubmission create — every check, then the queued send, then the record.

Order, so nothing is lost and nothing is reported sent that will not be: the Email's octets are
copied to the submission's own S3 key and the queue message is sent BEFORE the record is committed.
If the copy or SendMessage fails, the create fails with `forbiddenToSend` and no record exists; if the
commit fails after SendMessage, the consumer finds no record and drops the message once
ORPHAN_GRACE has passed. A consumer that runs before the commit lands simply looks again.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from mailx.ids import new_id
from mailx.mail import outbound
from mailx.methods.email_submission._envelope import build_envelope
from mailx.methods.email_submission._rules import CLIENT_SET, MAX_SEND_SIZE, SERVER_SET
from mailx.protocol.context import CallContext
from mailx.protocol.errors import FORBIDDEN_TO_SEND, RATE_LIMIT, TOO_LARGE, SetError
from mailx.store import blobs, emails, kv
from mailx.store.identities import IdentityRecord
from mailx.store.submissions import SubmissionRecord

logger = logging.getLogger("mailx.submission")
QUEUED_REPLY = "250 2.0.0 Queued for delivery"


def _check_properties(obj: dict[str, Any]) -> None:
    bad = sorted(name for name in obj if name not in CLIENT_SET and name not in SERVER_SET)
    # Server-set properties may be echoed only with the value a new submission has (RFC 8620 §5.3).
    bad += [name for name in ("id", "threadId", "sendAt", "deliveryStatus") if name in obj]
    if obj.get("undoStatus", "pending") != "pending":
        bad.append("undoStatus")
    bad += [name for name in ("dsnBlobIds", "mdnBlobIds") if obj.get(name, []) != []]
    for name in ("identityId", "emailId"):
        if not isinstance(obj.get(name), str):
            bad.append(name)
    if bad:
        raise SetError.invalid_properties(sorted(set(bad)), "invalid, missing or server-set properties")


def _rate_limit(account_id: str) -> None:
    """SEND_RATE_LIMIT submissions per SEND_RATE_WINDOW_SECONDS per account; over it nothing is sent."""
    from mailx.store.config_store import effective_settings

    settings = effective_settings()
    window = max(1, settings.send_rate_window_seconds)
    count = kv.increment(f"send-rate#{account_id}", window)
    if count > settings.send_rate_limit:
        raise SetError(
            RATE_LIMIT,
            f"at most {settings.send_rate_limit} submissions per {window} seconds; try again later",
        )


def _queue(account_id: str, submission_id: str, blob_key: str, hold_seconds: float) -> None:
    try:
        blobs.copy(blob_key, outbound.outbound_key(account_id, submission_id))
        outbound.enqueue(account_id, submission_id, hold_seconds)
    except Exception:
        logger.exception("could not queue submission %s", submission_id)
        raise SetError(
            FORBIDDEN_TO_SEND, "sending is unavailable right now; nothing was sent, please try again"
        ) from None


def create_one(
    call: CallContext, account_id: str, obj: dict[str, Any], identities: dict[str, IdentityRecord]
) -> SubmissionRecord:
    """Validate one create and queue its send; the caller commits the returned record."""
    _check_properties(obj)
    identity = identities.get(obj["identityId"])
    email_id = call.resolve_id(obj["emailId"])
    email = emails.get(account_id, email_id) if email_id else None
    missing = [name for name, found in (("identityId", identity), ("emailId", email)) if found is None]
    if missing or identity is None or email is None:
        raise SetError.invalid_properties(missing, "no such " + " or ".join(missing))
    if email.size > MAX_SEND_SIZE:
        raise SetError(
            TOO_LARGE, f"messages of up to {MAX_SEND_SIZE} octets can be sent", maxSize=MAX_SEND_SIZE
        )
    now = datetime.now(UTC).replace(microsecond=0)
    envelope, send_at = build_envelope(obj.get("envelope"), email.summary, identity.email, now)
    _rate_limit(account_id)
    submission_id = new_id("S")
    hold = (envelope.send_at - now).total_seconds()
    _queue(account_id, submission_id, blobs.email_key(account_id, email.blob_id), hold)
    return SubmissionRecord(
        submission_id=submission_id,
        identity_id=identity.identity_id,
        email_id=email.email_id,
        thread_id=email.thread_id,
        envelope=envelope.wire,
        send_at=send_at,
        delivery_status={
            rcpt: {"smtpReply": QUEUED_REPLY, "delivered": "queued", "displayed": "unknown"}
            for rcpt in dict.fromkeys(envelope.recipients)
        },
    )
