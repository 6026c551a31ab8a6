"""Vacation responses on SES inbound delivery (RFC 8621 §8, RFC 3834) through a fake relay."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from typing import Any

import pytest

from mailx.mail import inbound
from mailx.mail import vacation as responder
from mailx.mail.relay.base import OutboundMessage, RelayResult, TransientRelayError
from mailx.mail.ses_event import InboundMail, parse_event
from mailx.store import blobs, emails, transactions, vacation
from mailx.store.vacation import VacationRecord
from tests.helpers.paths import TESTS

ROOT = TESTS
EVENT: dict[str, Any] = json.loads((ROOT / "events" / "ses_lambda_event.json").read_text())
SENDER = "prvs=144d0cba7=bob@x.org"  # SES reports the Return-Path, BATV-signed as real senders do


@dataclass
class FakeContext:
    function_name: str = "mailx-ses-inbound"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:mailx-ses-inbound"
    aws_request_id: str = "req-vacation"


class FakeRelay:
    """Records what it is asked to send; fails with TransientRelayError while `failing`."""

    name = "fake"

    def __init__(self, *, failing: bool = False) -> None:
        self.sent: list[OutboundMessage] = []
        self.failing = failing

    def send(self, message: OutboundMessage) -> RelayResult:
        if self.failing:
            raise TransientRelayError("relay down", retry_after=30)
        self.sent.append(message)
        return RelayResult(f"relay-{len(self.sent)}", message.rcpt_to)


def raw(subject: str, message_id: str) -> bytes:
    return (
        "From: Bob <bob@x.org>\r\nTo: Alice <alice@example.com>\r\n"
        f"Subject: {subject}\r\nMessage-ID: <{message_id}>\r\n"
        "Date: Sat, 05 Jan 2030 11:00:00 +0000\r\n\r\nAre you free?\r\n"
    ).encode()


def receive(message_id: str, body: bytes, *, spam: str = "PASS", source: str = SENDER) -> InboundMail:
    """Put the raw mail where the S3 action would and parse the Lambda action's event for it."""
    blobs.put(f"inbound/{message_id}", body, "message/rfc822")
    event: dict[str, Any] = copy.deepcopy(EVENT)
    ses = event["Records"][0]["ses"]
    ses["mail"]["messageId"] = message_id
    ses["mail"]["source"] = source
    ses["receipt"]["recipients"] = ["alice@example.com"]
    ses["receipt"]["timestamp"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    ses["receipt"]["spamVerdict"] = {"status": spam}
    [mail] = parse_event(event)
    assert isinstance(mail, InboundMail)
    return mail


def enable(account_id: str, record: VacationRecord) -> None:
    txn = transactions.Txn(account_id)
    vacation.stage_put(txn, vacation.get(account_id), record)
    transactions.commit(txn)


AWAY = VacationRecord(is_enabled=True, subject="Away", text_body="Back soon.")


def test_two_messages_from_one_sender_get_exactly_one_reply(alice: Any) -> None:
    # Given alice's vacation response is on
    enable(alice.account_id, AWAY)
    relay = FakeRelay()
    # When two messages from bob arrive through SES (each with its own BATV-tagged Return-Path)
    first = inbound.deliver_received(receive("ses-vac-1", raw("Lunch?", "m1@x.org")), relay=relay)
    second = inbound.deliver_received(
        receive("ses-vac-2", raw("Dinner?", "m2@x.org"), source="prvs=0aa11bb22=bob@x.org"), relay=relay
    )
    # Then both are delivered and exactly one reply went out, to the envelope sender with a null MAIL FROM
    assert list(first.delivered) == [alice.account_id] and list(second.delivered) == [alice.account_id]
    [sent] = relay.sent
    assert sent.idempotency_key == f"vacation:{alice.account_id}:ses-vac-1"
    assert (sent.account_id, sent.mail_from, sent.rcpt_to) == (alice.account_id, "", (SENDER,))
    reply = message_from_bytes(sent.raw, policy=policy.default)
    assert reply["From"] == "Alice <alice@example.com>"
    assert reply["To"] == SENDER
    assert reply["Subject"] == "Away"
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["In-Reply-To"] == "<m1@x.org>"


def test_a_relay_failure_does_not_fail_the_delivery_nor_use_up_the_sender(alice: Any) -> None:
    # Given the vacation response is on and the relay is down
    enable(alice.account_id, AWAY)
    down = FakeRelay(failing=True)
    mail = receive("ses-vac-down", raw("Lunch?", "m1@x.org"))
    # When a message arrives
    outcome = inbound.deliver_received(mail, relay=down)
    # Then it is delivered all the same (no exception, so SES does not retry it)
    assert list(outcome.delivered) == [alice.account_id]
    assert emails.get(alice.account_id, outcome.delivered[alice.account_id]) is not None
    # And a redelivery of the same event is a duplicate: no second copy, no reply attempt
    up = FakeRelay()
    again = inbound.deliver_received(copy.deepcopy(mail), relay=up)
    assert again.duplicates == [alice.account_id] and up.sent == []
    # And the failed reply did not mark bob as answered: his next message gets the reply
    inbound.deliver_received(receive("ses-vac-next", raw("Still?", "m2@x.org")), relay=up)
    assert [m.idempotency_key for m in up.sent] == [f"vacation:{alice.account_id}:ses-vac-next"]


def test_no_reply_when_off_or_spam(alice: Any) -> None:
    relay = FakeRelay()
    inbound.deliver_received(receive("ses-vac-off", raw("Lunch?", "m1@x.org")), relay=relay)
    enable(alice.account_id, AWAY)
    inbound.deliver_received(receive("ses-vac-spam", raw("Win!", "m2@x.org"), spam="FAIL"), relay=relay)
    assert relay.sent == []


def test_the_lambda_handler_uses_the_configured_relay(alice: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the vacation response is on and the configured relay is a fake
    enable(alice.account_id, AWAY)
    relay = FakeRelay()
    monkeypatch.setattr(responder, "_default_relay", lambda: relay)
    mail = receive("ses-vac-handler", raw("Lunch?", "m1@x.org"))
    event: dict[str, Any] = copy.deepcopy(EVENT)
    ses = event["Records"][0]["ses"]
    ses["mail"].update(messageId=mail.message_id, source=mail.source)
    ses["receipt"].update(recipients=list(mail.recipients), timestamp=mail.timestamp)
    from ses_inbound_handler import handler

    # When SES invokes the function
    result = handler(event, FakeContext())
    # Then the message is delivered and the reply went through the configured relay
    assert result == {"results": [{"messageId": "ses-vac-handler", "delivered": 1}]}
    assert [m.rcpt_to for m in relay.sent] == [(SENDER,)]


def test_maybe_reply_reports_why_not(alice: Any) -> None:
    enable(alice.account_id, AWAY)
    relay = FakeRelay()
    now = datetime.now(UTC)
    listed = raw("News", "n1@x.org").replace(b"\r\n\r\n", b"\r\nList-Id: <news.x.org>\r\n\r\n", 1)
    assert "mailing list" in responder.maybe_reply(alice.account_id, "bob@x.org", listed, relay, now)
    assert responder.maybe_reply(alice.account_id, "bob@x.org", raw("Hi", "h1@x.org"), relay, now) == "sent"
    again = responder.maybe_reply(alice.account_id, "BOB@x.org", raw("Hi", "h2@x.org"), relay, now)
    assert again == "already replied to this sender in this period"
    assert len(relay.sent) == 1
