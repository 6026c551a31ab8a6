"""The SES inbound Lambda with real-shaped receipt events: routing, Bcc, catch-all, duplicates, faults."""

from __future__ import annotations

import copy
import threading
from typing import Any

import pytest

from mailx.mail import inbound
from mailx.mail import ingest as ingest_module
from mailx.mail.ses_event import parse_event
from mailx.store import blobs, config_store, emails
from mailx.store.config_store import DomainRecord
from tests.helpers.ses_events import RAW, invoke, receive


def _inbox_ids(account_id: str, role: str = "inbox") -> list[str]:
    roles = emails.mailbox_roles(account_id)
    box = next(m for m, r in roles.items() if r == role)
    return [
        e.email_id
        for e in emails.get_many(account_id, emails.list_ids(account_id, 1000)).values()
        if box in e.mailbox_ids
    ]


def test_bcc_only_recipient_gets_a_byte_exact_copy(alice: Any) -> None:
    # Given a message whose only envelope recipient is alice (she is Bcc: not in the To header)
    event = receive("ses-bcc-1", ["alice@example.com"])
    # When SES invokes the function
    result = invoke(event)
    # Then alice has one Email in her inbox, stored byte-exact
    assert result == {"results": [{"messageId": "ses-bcc-1", "delivered": 1}]}
    [email_id] = _inbox_ids(alice.account_id)
    stored = blobs.get(blobs.email_key(alice.account_id, email_id))
    assert stored is not None and stored.data == RAW


def test_one_copy_per_account_and_unknown_recipients_counted(alice: Any, bob: Any) -> None:
    event = receive(
        "ses-multi",
        [
            "alice@example.com",
            "bob+news@example.com",
            "ALICE@example.com",
            "nobody@example.com",
            "x@elsewhere.org",
        ],
    )
    [mail] = parse_event(event)
    assert not isinstance(mail, Exception)
    outcome = inbound.deliver_received(mail)
    assert sorted(outcome.delivered) == sorted([alice.account_id, bob.account_id])
    assert outcome.unknown_recipients == ["nobody@example.com", "x@elsewhere.org"]
    assert len(_inbox_ids(alice.account_id)) == 1 and len(_inbox_ids(bob.account_id)) == 1


def test_catch_all_and_postmaster(alice: Any, bob: Any) -> None:
    config_store.put_domain(DomainRecord("example.com", None, bob.account_id))
    invoke(receive("ses-catch", ["whoever@example.com", "postmaster@example.com"]))
    assert len(_inbox_ids(bob.account_id)) == 1  # catch-all
    assert len(_inbox_ids(alice.account_id)) == 1  # postmaster -> first account


def test_unknown_recipient_only_is_not_a_crash(alice: Any) -> None:
    result = invoke(receive("ses-unknown", ["nobody@example.com"]))
    assert result == {"results": [{"messageId": "ses-unknown", "delivered": 0}]}
    assert _inbox_ids(alice.account_id) == []


def test_duplicate_event_creates_one_email(alice: Any) -> None:
    event = receive("ses-dup", ["alice@example.com"])
    invoke(event)
    again = invoke(copy.deepcopy(event))
    assert again == {"results": [{"messageId": "ses-dup", "delivered": 0}]}
    assert len(_inbox_ids(alice.account_id)) == 1


def test_two_deliveries_at_once_create_one_email(alice: Any) -> None:
    event = receive("ses-race", ["alice@example.com"])
    errors: list[BaseException] = []

    def run() -> None:
        try:
            invoke(copy.deepcopy(event))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(_inbox_ids(alice.account_id)) == 1


def test_spam_goes_to_junk(alice: Any) -> None:
    invoke(receive("ses-spam", ["alice@example.com"], spam="FAIL"))
    assert _inbox_ids(alice.account_id) == []
    assert len(_inbox_ids(alice.account_id, "junk")) == 1


def test_malformed_record_is_reported_not_raised(alice: Any) -> None:
    event = receive("ses-bad", ["alice@example.com"])
    del event["Records"][0]["ses"]["receipt"]["recipients"]
    assert invoke(event) == {"results": []}


def test_missing_object_fails_for_retry(alice: Any) -> None:
    event = receive("ses-missing", ["alice@example.com"])
    blobs.delete("inbound/ses-missing")
    with pytest.raises(inbound.DeliveryFailed):
        invoke(event)


def test_one_account_failing_is_retried_without_duplicating_the_other(
    alice: Any, bob: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = receive("ses-partial", ["alice@example.com", "bob@example.com"])
    real_ingest = ingest_module.ingest

    def flaky(account_id: str, *args: Any, **kwargs: Any) -> Any:
        if account_id == bob.account_id:
            raise RuntimeError("DynamoDB throttled")
        return real_ingest(account_id, *args, **kwargs)

    monkeypatch.setattr(ingest_module, "ingest", flaky)
    with pytest.raises(inbound.DeliveryFailed):
        invoke(event)
    assert len(_inbox_ids(alice.account_id)) == 1 and _inbox_ids(bob.account_id) == []
    monkeypatch.setattr(ingest_module, "ingest", real_ingest)
    invoke(copy.deepcopy(event))  # the retry
    assert len(_inbox_ids(alice.account_id)) == 1 and len(_inbox_ids(bob.account_id)) == 1


def test_large_message_is_delivered_byte_exact(alice: Any) -> None:
    # Given a 12 MB message (SES accepts up to 40 MB; figures for 38 MB are in the closing notes)
    import base64
    import os

    payload = os.urandom(9_000_000)
    body = base64.encodebytes(payload).replace(b"\n", b"\r\n")
    raw = (
        b"From: big@sender.example\r\nTo: alice@example.com\r\nSubject: big\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=BB\r\n\r\n"
        b"--BB\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        b"--BB\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Disposition: attachment; filename=big.bin\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + body + b"--BB--\r\n"
    )
    # When SES delivers it
    invoke(receive("ses-large", ["alice@example.com"], raw=raw))
    # Then alice has it byte-exact, and its attachment part decodes to the original bytes
    [email_id] = _inbox_ids(alice.account_id)
    stored = blobs.get(blobs.email_key(alice.account_id, email_id))
    assert stored is not None and stored.data == raw
    from mailx.mime import extract_part

    record = emails.get(alice.account_id, email_id)
    assert record is not None and record.size == len(raw)
    [attachment] = record.summary["attachments"]
    part = extract_part(raw, attachment)
    assert part is not None and part.data == payload
