"""One outbound send (RFC 8621 §7): claim the EmailSubmission, relay it once, record each recipient's status.

The claim is a conditional write from `queued` (or `dead`, for a message redriven from the DLQ) to
`sending`, so only one consumer sends and a message redelivered after the send finds it over. The relay
gets the submission id as idempotency key: if a consumer dies between the relay's answer and the
outcome write, the next one (after the claim's lease) sends again and the relay drops the duplicate.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import replace

from mailx.mail import outbound
from mailx.mail.outbound import (
    MAX_RECEIVES,
    Outcome,
    QueuedSend,
    ReceivedMessage,
    backoff,
    enqueue,
    outbound_key,
)
from mailx.mail.relay.base import (
    OutboundMessage,
    PermanentRelayError,
    Relay,
    RelayResult,
    TransientRelayError,
)
from mailx.store import blobs, relay_events, submissions, transactions
from mailx.store.errors import Conflict
from mailx.store.submissions import SubmissionRecord

logger = logging.getLogger("mailx.outbound")

LEASE_SECONDS = 90  # longer than one relay call may take (the function times out at 60 s)
ORPHAN_GRACE = 300  # a message whose record never appeared (the create's commit failed) is dropped after


def _status(reply: str, delivered: str) -> dict[str, str]:
    return {"smtpReply": reply, "delivered": delivered, "displayed": "unknown"}


def _epoch(utc_date: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(utc_date.replace("Z", "+00:00")).timestamp()


def _cleanup(account_id: str, record: SubmissionRecord) -> None:
    try:
        blobs.delete(outbound_key(account_id, record.submission_id))
    except Exception:  # the bucket lifecycle rule removes it later anyway
        logger.exception("could not delete the outbound copy of %s", record.submission_id)


def _sent(claimed: SubmissionRecord, result: RelayResult) -> SubmissionRecord:
    statuses = dict(claimed.delivery_status)
    for rcpt in claimed.delivery_status:
        if rcpt in result.rejected:
            statuses[rcpt] = _status(result.rejected[rcpt], "no")
        else:
            # Accepted by a relay is not delivered (§7): "unknown" until a delivery event says more.
            statuses[rcpt] = _status("250 2.0.0 Accepted by the relay", "unknown")
    return replace(
        claimed,
        send_state="sent",
        undo_status="final",
        delivery_status=statuses,
        relay_message_id=result.relay_message_id,
    )


def _failed(claimed: SubmissionRecord, reply: str, send_state: str) -> SubmissionRecord:
    statuses = {rcpt: _status(reply, "no") for rcpt in claimed.delivery_status}
    return replace(claimed, send_state=send_state, undo_status="final", delivery_status=statuses)


def _requeued(claimed: SubmissionRecord, reply: str) -> SubmissionRecord:
    statuses = {rcpt: _status(reply, "queued") for rcpt in claimed.delivery_status}
    return replace(claimed, send_state="queued", delivery_status=statuses)


def _retry_or_give_up(
    claimed: SubmissionRecord, why: str, receive_count: int
) -> tuple[SubmissionRecord, str]:
    """A transient failure: queued again, or on the last allowed attempt dead (the DLQ takes it)."""
    if receive_count >= MAX_RECEIVES:
        reply = f"451 4.4.1 Gave up after {receive_count} attempts: {why}"
        return _failed(claimed, reply, "dead"), "dead-lettered"
    return _requeued(claimed, f"451 4.4.1 Will retry: {why}"), "retrying"


def _relay(
    account_id: str, claimed: SubmissionRecord, relay: Relay, receive_count: int
) -> tuple[SubmissionRecord, Outcome]:
    """Relay the claimed send; the record to write and what to do with the queue message."""
    from mailx.mime import strip_bcc

    stored = blobs.get(outbound_key(account_id, claimed.submission_id))
    if stored is None:
        return _failed(claimed, "554 5.3.0 The message to send is gone", "failed"), Outcome(
            True, "no content"
        )
    envelope = claimed.envelope
    message = OutboundMessage(
        idempotency_key=claimed.submission_id,
        account_id=account_id,
        mail_from=str(envelope["mailFrom"]["email"]),
        rcpt_to=tuple(str(r["email"]) for r in envelope["rcptTo"]),
        raw=strip_bcc(stored.data),
    )
    try:
        result = relay.send(message)
    except PermanentRelayError as exc:
        return _failed(claimed, exc.reply, "failed"), Outcome(True, f"refused: {exc}")
    except TransientRelayError as exc:
        after, note = _retry_or_give_up(claimed, str(exc), receive_count)
        return after, Outcome(False, note, backoff(receive_count, exc.retry_after))
    except Exception as exc:
        logger.exception("relay %s failed unexpectedly", relay.name)
        after, note = _retry_or_give_up(claimed, "relay error", receive_count)
        return after, Outcome(False, f"{note} ({type(exc).__name__})", backoff(receive_count))
    return _sent(claimed, result), Outcome(True, f"sent by {relay.name}")


def _before_claim(send: QueuedSend, record: SubmissionRecord | None, now: float) -> Outcome | None:
    """The answer when there is nothing to send now, or None to go ahead."""
    if record is None:
        if now - send.queued_at < ORPHAN_GRACE:
            return Outcome(False, "record not committed yet", 10)
        return Outcome(True, "no such submission (its create failed, or it was destroyed)")
    if record.over:
        _cleanup(send.account_id, record)
        return Outcome(True, f"already {record.send_state}")
    if record.send_state == "sending" and record.lease_until >= now:
        return Outcome(False, "another consumer holds it", int(record.lease_until - now) + 1)
    hold = _epoch(record.send_at) - now
    if hold > 1:
        enqueue(send.account_id, send.submission_id, hold)
        return Outcome(True, f"held for {int(hold)} s more")
    return None


def process(body: str, receive_count: int, relay: Relay, *, now: float | None = None) -> Outcome:
    """Handle one queue message; never sends a submission whose send is already over or canceled."""
    send = QueuedSend.from_body(body)
    if send is None:
        logger.error("malformed outbound message: %r", body[:200])
        return Outcome(True, "malformed")
    moment = time.time() if now is None else now
    record = submissions.get(send.account_id, send.submission_id)
    early = _before_claim(send, record, moment)
    if early is not None or record is None:
        return early or Outcome(True, "nothing to do")
    txn = transactions.Txn(send.account_id)
    claimed = submissions.stage_claim(txn, record, int(moment), LEASE_SECONDS)
    try:
        transactions.commit(txn)
    except Conflict:
        return Outcome(False, "changed while claiming; looking again", 5)
    after, outcome = _relay(send.account_id, claimed, relay, receive_count)
    txn = transactions.Txn(send.account_id)
    submissions.stage_outcome(txn, claimed, after)
    if after.relay_message_id and not (after.hidden and after.over):  # webhooks name only the relay's id
        relay_events.stage_relay_ref(txn, after.relay_message_id, claimed.submission_id)
    try:
        transactions.commit(txn)
    except Conflict:
        logger.error("lost the claim on %s before recording its outcome", send.submission_id)
    if after.over:  # a dead send keeps its copy, so a redrive from the DLQ can still send it
        _cleanup(send.account_id, after)
    return outcome


# The consumer loop around process(): shared by the Lambda handler and the local runtime's worker.
process_one = process


def handle(message: ReceivedMessage, relay: Relay, *, process: Callable[..., Outcome] | None = None) -> bool:
    """Process one message; True when it may be deleted, False to leave it on the queue.

    A message to retry gets its visibility timeout set to the backoff first, so SQS hands it out again
    only then; its receive count then carries it to the dead-letter queue after MAX_RECEIVES.
    """
    try:
        outcome = (process or process_one)(message.body, message.receive_count, relay)
    except Exception:
        logger.exception("outbound message %s failed", message.message_id)
        outcome = Outcome(False, "unexpected error", backoff(message.receive_count))
    logger.info("outbound %s: %s", message.message_id, outcome.note)
    if not outcome.done:
        outbound.delay(message.receipt_handle, outcome.retry_in)
    return outcome.done


def consume(messages: Iterable[ReceivedMessage], relay: Relay) -> list[str]:
    """Handle each message; the ids of those to leave on the queue (SQS batch item failures)."""
    return [message.message_id for message in messages if not handle(message, relay)]
