"""RFC 3834 rules of the vacation responder on literal messages: who gets a reply, and what it says."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from mailx.mail.vacation import dedupe_key, dedupe_seconds, incoming, plan_reply
from mailx.store.identities import IdentityRecord
from mailx.store.vacation import VacationRecord

NOW = datetime(2030, 1, 5, 12, 0, tzinfo=UTC)
AWAY = VacationRecord(
    is_enabled=True,
    from_date="2030-01-01T00:00:00Z",
    to_date="2030-01-15T00:00:00Z",
    text_body="Back on the 15th.\n",
)
OWN = [
    IdentityRecord("I1", "alice@example.com", name="Alice", may_delete=False),
    IdentityRecord("I2", "alice@example.org", name="Alice B", may_delete=False),
]
HEADERS = (
    "From: Bob <bob@x.org>\r\n"
    "To: Alice <alice@example.com>\r\n"
    "Subject: Lunch?\r\n"
    "Message-ID: <m1@x.org>\r\n"
    "References: <r0@x.org>\r\n"
    "Date: Sat, 05 Jan 2030 11:00:00 +0000\r\n"
)


def message(extra: str = "", headers: str = HEADERS) -> bytes:
    return (headers + extra + "\r\nAre you free?\r\n").encode()


def plan(
    raw: bytes, sender: str = "bob@x.org", record: VacationRecord = AWAY, now: datetime = NOW
) -> bytes | str:
    return plan_reply(record, incoming(sender, raw), OWN, now)


def parsed(reply: bytes | str) -> EmailMessage:
    assert isinstance(reply, bytes), reply
    result = message_from_bytes(reply, policy=policy.default)
    assert isinstance(result, EmailMessage)
    return result


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ("List-Id: Friends <friends.x.org>\r\n", "mailing list"),
        ("List-Unsubscribe: <mailto:leave@x.org>\r\n", "mailing list"),
        ("Precedence: bulk\r\n", "Precedence"),
        ("Precedence: junk\r\n", "Precedence"),
        ("Precedence: List\r\n", "Precedence"),
        ("Auto-Submitted: auto-generated\r\n", "Auto-Submitted"),
        ("Auto-Submitted: auto-replied (vacation)\r\n", "Auto-Submitted"),
        ("X-Auto-Response-Suppress: DR, OOF\r\n", "suppressed"),
        ('Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n', "report"),
    ],
)
def test_lists_bulk_and_automatic_mail_get_no_reply(extra: str, reason: str) -> None:
    # Given a message to alice carrying EXTRA; When the rules run; Then no reply, for that reason
    result = plan(message(extra))
    assert isinstance(result, str) and reason in result


@pytest.mark.parametrize(
    ("sender", "reason"),
    [
        ("", "null"),
        ("<>", "null"),
        ("MAILER-DAEMON@mx.x.org", "daemon"),
        ("postmaster@x.org", "daemon"),
        ("owner-friends@x.org", "daemon"),
        ("friends-request@x.org", "daemon"),
        ("bounces+123@mailer.x.org", "daemon"),
        ("no-reply@x.org", "daemon"),
        ("alice@example.com", "own"),
        ("Alice+sent@Example.ORG", "own"),
    ],
)
def test_null_daemon_and_own_senders_get_no_reply(sender: str, reason: str) -> None:
    result = plan(message(), sender=sender)
    assert isinstance(result, str) and reason in result


def test_a_message_not_addressed_to_the_account_gets_no_reply() -> None:
    # Given alice only as an envelope recipient (Bcc, or a list that rewrote nothing)
    headers = HEADERS.replace("To: Alice <alice@example.com>", "To: friends@x.org")
    # Then no reply: RFC 3834 §2 asks for one of the user's addresses in To or Cc
    result = plan(message(headers=headers))
    assert isinstance(result, str) and "To or Cc" in result
    # But Cc counts, and so does a +tag of an own address
    assert isinstance(plan(message("Cc: alice+lunch@example.com\r\n", headers=headers)), bytes)


@pytest.mark.parametrize(
    ("record", "now"),
    [
        (AWAY, datetime(2029, 12, 31, 23, 59, 59, tzinfo=UTC)),  # before fromDate
        (AWAY, datetime(2030, 1, 15, tzinfo=UTC)),  # toDate itself is outside: [from, to)
        (VacationRecord(is_enabled=False, text_body="x"), NOW),
        (VacationRecord(), NOW),
    ],
)
def test_outside_the_window_or_disabled_no_reply(record: VacationRecord, now: datetime) -> None:
    result = plan(message(), record=record, now=now)
    assert isinstance(result, str) and "off or outside" in result


def test_open_dates_and_from_date_itself_are_inside() -> None:
    assert isinstance(plan(message(), record=VacationRecord(is_enabled=True), now=NOW), bytes)
    assert isinstance(plan(message(), now=datetime(2030, 1, 1, tzinfo=UTC)), bytes)
    assert isinstance(plan(message("Auto-Submitted: no\r\n")), bytes)


def test_a_normal_message_gets_a_reply_with_rfc3834_fields() -> None:
    # Given an ordinary message from bob to alice during her vacation
    # When the rules run
    reply = parsed(plan(message()))
    # Then the reply goes from the identity bob wrote to, to the envelope sender, and is marked automatic
    assert reply["From"] == "Alice <alice@example.com>"
    assert reply["To"] == "bob@x.org"
    assert reply["Subject"] == "Auto: Lunch?"
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["In-Reply-To"] == "<m1@x.org>"
    assert reply["References"] == "<r0@x.org> <m1@x.org>"
    assert reply["Message-ID"].endswith("@example.com>")
    assert reply.get_content_type() == "text/plain"
    assert reply.get_content().splitlines() == ["Back on the 15th."]


def test_reply_to_the_envelope_sender_not_the_from_field() -> None:
    reply = parsed(plan(message(), sender="<bob-private@x.org>"))
    assert reply["To"] == "bob-private@x.org"


def test_configured_subject_html_body_and_the_other_identity() -> None:
    record = VacationRecord(
        is_enabled=True, subject="Out until the 15th", html_body="<p>Back <b>soon</b></p>"
    )
    headers = HEADERS.replace("alice@example.com", "alice@example.org")
    reply = parsed(plan(message(headers=headers), record=record))
    assert reply["Subject"] == "Out until the 15th"
    assert reply["From"] == "Alice B <alice@example.org>"
    assert reply.get_content_type() == "multipart/alternative"
    text, html = (part.get_content() for part in reply.iter_parts())
    assert "Back soon" in text and "<b>soon</b>" in html


def test_no_bodies_and_no_subject_get_defaults() -> None:
    headers = HEADERS.replace("Subject: Lunch?\r\n", "")
    reply = parsed(plan(message(headers=headers), record=VacationRecord(is_enabled=True)))
    assert reply["Subject"] == "Auto: out of office"
    assert "away" in reply.get_content()


def test_one_reply_per_sender_per_period_key_and_ttl() -> None:
    assert dedupe_key("A1", " Bob@X.org ") == "A1#vacation#bob@x.org"
    assert dedupe_key("A1", "prvs=144d0cba7=Bob@x.org") == "A1#vacation#bob@x.org"  # BATV tags differ
    assert dedupe_seconds(AWAY, NOW) == 7 * 86400  # toDate is 9.5 days away: the 7-day period ends first
    assert dedupe_seconds(AWAY, datetime(2030, 1, 14, tzinfo=UTC)) == 86400  # toDate ends first
    assert dedupe_seconds(VacationRecord(is_enabled=True), NOW) == 7 * 86400
