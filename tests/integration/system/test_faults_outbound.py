"""A crash in the middle of an outbound send (RFC 8621 §7): the queue's redelivery sends exactly once.

The outbound Lambda runs on real-shaped SQS events against moto's queue and relays to a Resend stand-in
on loopback that honours `Idempotency-Key` as Resend does. Given a submission, When the function dies
before the relay is called, or after the relay accepted but before the outcome is recorded, Then after
SQS's visibility timeout (by when the dead consumer's lease is over) the message is delivered once,
the submission ends `final` with the relay's id, and its stored copy is cleaned up.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from mailx import aws
from mailx.mail import outbound
from mailx.mail.outbound_send import LEASE_SECONDS
from mailx.store import blobs, relay_events
from tests.helpers.faults import Crash, crashing, dynamodb_client
from tests.helpers.paths import REPO
from tests.helpers.submission import OutboundContext, queue_depth, send
from tests.helpers.views import call

ROOT = REPO
RCPTS = {"bob@example.com", "carol@elsewhere.test"}


@dataclass
class IdempotentResend:
    """Resend's POST /emails on loopback: a repeated Idempotency-Key gets the first answer, sends nothing."""

    requests: list[str] = field(default_factory=list)  # the Idempotency-Key of every POST
    sent: dict[str, str] = field(default_factory=dict)  # key -> Resend id: what was really sent
    url: str = ""

    def answer(self, key: str) -> bytes:
        self.requests.append(key)
        resend_id = self.sent.setdefault(key, f"re-{len(self.sent) + 1}")
        return json.dumps({"id": resend_id}).encode()


@pytest.fixture
def resend(monkeypatch: pytest.MonkeyPatch) -> Iterator[IdempotentResend]:
    fake = IdempotentResend()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            body = fake.answer(self.headers.get("Idempotency-Key", ""))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    from mailx import config
    from mailx.store import config_store

    for key, value in {
        "RELAY": "resend",
        "RESEND_API_KEY": "re_test_key",
        "RESEND_API_URL": fake.url,
    }.items():
        monkeypatch.setenv(key, value)
    config.reset_settings()
    config_store.forget_cache()
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def lambda_handler(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.syspath_prepend(str(ROOT / "functions" / "outbound"))
    import outbound_handler  # type: ignore[import-not-found, unused-ignore]

    return outbound_handler.handler


def _sqs_event() -> dict[str, Any]:
    """What the event source mapping hands the function: the queue's visible messages."""
    got = (
        aws.sqs()
        .receive_message(
            QueueUrl=outbound.queue_url(), MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
        )
        .get("Messages", [])
    )
    records = [
        {"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
         "attributes": {"ApproximateReceiveCount": m["Attributes"]["ApproximateReceiveCount"]},
         "eventSource": "aws:sqs"}
        for m in got
    ]  # fmt: skip
    return {"Records": records}


def _invoke(handler: Any, event: dict[str, Any]) -> list[str]:
    """Run the function; delete what it did not report as failed (as the event source mapping does)."""
    failed = [f["itemIdentifier"] for f in handler(event, OutboundContext())["batchItemFailures"]]
    for record in event["Records"]:
        if record["messageId"] not in failed:
            aws.sqs().delete_message(QueueUrl=outbound.queue_url(), ReceiptHandle=record["receiptHandle"])
    return failed


def _after_visibility_timeout(event: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """The queue's visibility timeout runs out: the messages are visible again, and the clock moved on."""
    for record in event["Records"]:
        aws.sqs().change_message_visibility(
            QueueUrl=outbound.queue_url(), ReceiptHandle=record["receiptHandle"], VisibilityTimeout=0
        )
    later = time.time() + outbound.QUEUE_VISIBILITY
    monkeypatch.setattr(time, "time", lambda: later)


def _submission(client: Any, account: str, submission_id: str) -> dict[str, Any]:
    get = ["EmailSubmission/get", {"accountId": account, "ids": [submission_id]}, "g"]
    [[_, got, _]] = call(client, get)
    found: dict[str, Any] = got["list"][0]
    return found


def _pending(client: Any, account: str, submission_id: str) -> None:
    found = _submission(client, account, submission_id)
    assert found["undoStatus"] == "pending"
    assert {s["delivered"] for s in found["deliveryStatus"].values()} == {"queued"}
    assert blobs.get(outbound.outbound_key(account, submission_id)) is not None  # the copy still waits


def _sent_once(client: Any, account: str, submission_id: str, resend: IdempotentResend) -> None:
    assert list(resend.sent) == [submission_id]  # one real send, keyed by the submission id
    found = _submission(client, account, submission_id)
    assert found["undoStatus"] == "final" and set(found["deliveryStatus"]) == RCPTS
    assert {s["delivered"] for s in found["deliveryStatus"].values()} == {"unknown"}
    assert relay_events.find_relay(resend.sent[submission_id]) == (account, submission_id)
    assert blobs.get(outbound.outbound_key(account, submission_id)) is None and queue_depth() == 0


@pytest.mark.parametrize("moment", ["before-call", "after-call"])
def test_crash_before_the_relay_is_called(
    sending: Any, alice: Any, resend: IdempotentResend, lambda_handler: Any,
    monkeypatch: pytest.MonkeyPatch, moment: str,
) -> None:  # fmt: skip
    account = alice.account_id
    submission_id = send(sending, account)
    event = _sqs_event()
    # When the function dies as it claims the send (before, or just after, the claim is written)
    with crashing(dynamodb_client(), f"{moment}.dynamodb.TransactWriteItems"), pytest.raises(Crash):
        lambda_handler(event, OutboundContext())
    # Then nothing was sent and the submission is still pending, its copy kept
    assert resend.requests == []
    _pending(sending, account, submission_id)
    # And after the visibility timeout the redelivered message sends it, once
    _after_visibility_timeout(event, monkeypatch)
    assert _invoke(lambda_handler, _sqs_event()) == []
    assert resend.requests == [submission_id]
    _sent_once(sending, account, submission_id, resend)


def test_crash_after_the_relay_accepted_before_recording(
    sending: Any, alice: Any, resend: IdempotentResend, lambda_handler: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = alice.account_id
    submission_id = send(sending, account)
    event = _sqs_event()
    # When the function dies after Resend accepted the message, as it writes the outcome
    with crashing(dynamodb_client(), "before-call.dynamodb.TransactWriteItems", skip=1), pytest.raises(Crash):
        lambda_handler(event, OutboundContext())
    assert resend.requests == [submission_id] and list(resend.sent) == [submission_id]
    _pending(sending, account, submission_id)
    # And SQS redelivers at once (another consumer): the live-looking claim keeps it from sending
    for record in event["Records"]:
        aws.sqs().change_message_visibility(
            QueueUrl=outbound.queue_url(), ReceiptHandle=record["receiptHandle"], VisibilityTimeout=0
        )
    early = _sqs_event()
    assert _invoke(lambda_handler, early) == [early["Records"][0]["messageId"]]
    assert len(resend.requests) == 1
    # Then after the lease (LEASE_SECONDS < the visibility timeout) the retry asks Resend again with
    # the same Idempotency-Key; Resend answers the first id and sends nothing new
    assert outbound.QUEUE_VISIBILITY > LEASE_SECONDS
    _after_visibility_timeout(early, monkeypatch)
    assert _invoke(lambda_handler, _sqs_event()) == []
    assert resend.requests == [submission_id, submission_id]
    _sent_once(sending, account, submission_id, resend)
