"""The outbound consumer (RFC 8621 §7 sends) on moto's SQS: one send per submission whatever SQS redelivers,
transient failures retried with backoff (Retry-After honoured) until the DLQ, permanent ones final."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from mailx.local.outbound_worker import poll_once
from mailx.mail import outbound
from mailx.mail.outbound_send import process
from mailx.mail.relay.base import PermanentRelayError, TransientRelayError
from mailx.store import submissions
from tests.helpers.paths import REPO
from tests.helpers.submission import FakeRelay, OutboundContext, queue_depth, send

ROOT = REPO


@pytest.fixture
def delays(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The retry delays the consumer asks for; the message is made visible at once so tests need no sleep."""
    asked: list[int] = []
    original = outbound.delay

    def record(receipt_handle: str, seconds: int) -> None:
        asked.append(seconds)
        original(receipt_handle, 0)

    monkeypatch.setattr(outbound, "delay", record)
    return asked


def _record(account: str, submission_id: str) -> submissions.SubmissionRecord:
    record = submissions.get(account, submission_id)
    assert record is not None
    return record


def test_redelivered_message_sends_once(sending: Any, alice: Any) -> None:
    account = alice.account_id
    submission_id = send(sending, account)
    relay = FakeRelay()
    assert poll_once(relay) == 1
    # When SQS delivers the same message again (at-least-once), directly and through the queue
    body = outbound.QueuedSend(account, submission_id, 0).to_body()
    assert process(body, 2, relay).note == "already sent"
    outbound.enqueue(account, submission_id)
    assert poll_once(relay) == 1
    # Then the relay was called once, with the submission id as idempotency key and no Bcc header
    [message] = relay.calls
    assert message.idempotency_key == submission_id and b"bcc:" not in message.raw.lower()
    assert set(message.rcpt_to) == {"bob@example.com", "carol@elsewhere.test"}
    assert _record(account, submission_id).send_state == "sent" and queue_depth() == 0


def test_claim_held_by_another_consumer_is_not_sent(sending: Any, alice: Any) -> None:
    account = alice.account_id
    submission_id = send(sending, account)
    body = outbound.QueuedSend(account, submission_id, 0).to_body()
    record = _record(account, submission_id)
    from mailx.store import transactions

    txn = transactions.Txn(account)
    submissions.stage_claim(txn, record, 10**10, 90)  # someone else's lease, far in the future
    transactions.commit(txn)
    relay = FakeRelay()
    outcome = process(body, 1, relay)
    assert not outcome.done and relay.calls == []


def test_transient_failure_is_retried_after_retry_after(sending: Any, alice: Any, delays: list[int]) -> None:
    account = alice.account_id
    submission_id = send(sending, account)
    relay = FakeRelay(TransientRelayError("429 slow down", retry_after=300))
    # When the relay says "later" (429 with Retry-After: 300)
    assert poll_once(relay) == 1
    # Then the message waits at least 300 s, the submission is still pending and says why
    assert delays == [301] and queue_depth() == 1
    waiting = _record(account, submission_id)
    assert waiting.undo_status == "pending" and waiting.send_state == "queued"
    assert {s["delivered"] for s in waiting.delivery_status.values()} == {"queued"}
    assert all(s["smtpReply"].startswith("451 4.4.1") for s in waiting.delivery_status.values())
    # And the next attempt sends it
    assert poll_once(relay) == 1 and len(relay.calls) == 2
    assert _record(account, submission_id).undo_status == "final" and queue_depth() == 0


def test_repeated_transient_failures_end_in_the_dead_letter_queue(
    sending: Any, alice: Any, delays: list[int]
) -> None:
    account = alice.account_id
    submission_id = send(sending, account)
    relay = FakeRelay(*[TransientRelayError("503") for _ in range(10)])
    for _ in range(outbound.MAX_RECEIVES):
        assert poll_once(relay) == 1
    # Then five attempts were made with doubling backoff, and the next receive moves it to the DLQ
    assert len(relay.calls) == 5 and delays == [30, 60, 120, 240, 480]
    assert poll_once(relay) == 0 and queue_depth() == 0 and queue_depth(dead=True) == 1
    dead = _record(account, submission_id)
    assert dead.send_state == "dead" and dead.undo_status == "final"
    assert {s["delivered"] for s in dead.delivery_status.values()} == {"no"}
    assert all("Gave up after 5 attempts" in s["smtpReply"] for s in dead.delivery_status.values())


def test_permanent_failure_is_final_with_the_reply(sending: Any, alice: Any) -> None:
    account = alice.account_id
    submission_id = send(sending, account)
    relay = FakeRelay(PermanentRelayError("refused", reply="550 5.7.1 Sender not allowed"))
    assert poll_once(relay) == 1 and queue_depth() == 0
    failed = _record(account, submission_id)
    assert failed.undo_status == "final" and failed.send_state == "failed"
    assert {s["smtpReply"] for s in failed.delivery_status.values()} == {"550 5.7.1 Sender not allowed"}
    assert {s["delivered"] for s in failed.delivery_status.values()} == {"no"}


def test_lambda_handler_reports_only_the_failed_record(
    sending: Any, alice: Any, monkeypatch: pytest.MonkeyPatch, delays: list[int]
) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "functions" / "outbound"))
    import outbound_handler  # type: ignore[import-not-found, unused-ignore]

    account = alice.account_id
    first, second = send(sending, account), send(sending, account)
    relay = FakeRelay(None, TransientRelayError("timeout"))
    monkeypatch.setattr(outbound_handler, "_relay", lambda: relay)
    from mailx import aws

    got = aws.sqs().receive_message(
        QueueUrl=outbound.queue_url(), MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
    )["Messages"]
    records = [
        {"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
         "attributes": {"ApproximateReceiveCount": "1"}, "eventSource": "aws:sqs"}
        for m in got
    ]  # fmt: skip
    # When one Lambda invocation gets both, and the second send times out
    response = outbound_handler.handler({"Records": records}, OutboundContext())
    # Then only that one is reported as a batch item failure
    assert response == {"batchItemFailures": [{"itemIdentifier": records[1]["messageId"]}]}
    states = {_record(account, s).send_state for s in (first, second)}
    assert states == {"sent", "queued"} and delays == [30]
    assert sys.modules["outbound_handler"] is outbound_handler
