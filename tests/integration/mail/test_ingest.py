"""Ingest (RFC 8621 §2 counters, §4 Email): byte-exact storage, one transaction, idempotency, failures."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mailx.mail import ingest as ingest_module
from mailx.mail.ingest import IngestError, ingest, ingest_into_inbox
from mailx.search.fields import message_terms
from mailx.store import blobs, emails, retry, transactions
from mailx.store.errors import Conflict
from tests.helpers.call_counting import counting
from tests.helpers.mailboxes import counters, inbox_id
from tests.helpers.messages import message
from tests.helpers.paths import MIME_FIXTURES

FIXTURES = MIME_FIXTURES


@pytest.mark.parametrize("name", ["alternative", "mixed_attachments", "bare_lf", "rfc8621_example"])
def test_golden_fixture_is_stored_byte_exact_with_one_put_and_one_transaction(alice: Any, name: str) -> None:
    # Given a golden message and alice's inbox
    raw = (FIXTURES / f"{name}.eml").read_bytes()
    inbox = inbox_id(alice.account_id)
    # When it is ingested
    with counting() as calls:
        result = ingest(alice.account_id, raw, mailbox_ids=[inbox])
    # Then S3 holds the exact octets under emails/{accountId}/{emailId}.eml, written once
    stored = blobs.get(blobs.email_key(alice.account_id, result.email_id))
    assert stored is not None and stored.data == raw
    assert result.blob_id == result.email_id and result.size == len(raw) and result.created
    assert dict(calls.s3) == {"PutObject": 1}
    # And DynamoDB saw one transaction, after reading the thread references and the states
    assert calls.dynamodb["TransactWriteItems"] == 1
    assert sum(calls.dynamodb.values()) <= 4, calls.dynamodb


def test_object_already_in_s3_is_copied_server_side(alice: Any) -> None:
    # Given a message SES left under inbound/
    raw = message("ses@example.net", "From SES")
    blobs.put("inbound/ses-message-1", raw, "application/octet-stream")
    # When ingest is given the key rather than the octets
    with counting() as calls:
        result = ingest(alice.account_id, "inbound/ses-message-1", mailbox_ids=[inbox_id(alice.account_id)])
    # Then one read (to parse) and one server-side copy, no upload
    assert dict(calls.s3) == {"GetObject": 1, "CopyObject": 1}
    stored = blobs.get(blobs.email_key(alice.account_id, result.email_id))
    assert stored is not None and stored.data == raw


def test_counters_are_exact_threads_count_once_and_seen_or_draft_is_read(alice: Any) -> None:
    # Given an unread message, a $seen reply in its thread, a $draft and an unrelated unread message
    inbox = inbox_id(alice.account_id)
    ingest(alice.account_id, message("p1@x", "Lunch"), mailbox_ids=[inbox])
    ingest(
        alice.account_id, message("p2@x", "Re: Lunch", irt="p1@x"), mailbox_ids=[inbox], keywords=["$Seen"]
    )
    ingest(alice.account_id, message("d1@x", "Draft"), mailbox_ids=[inbox], keywords=["$draft"])
    ingest(alice.account_id, message("o1@x", "Other"), mailbox_ids=[inbox])
    # Then the inbox counts 4 emails, 2 unread, 3 threads, of which 2 have an unread email
    assert counters(alice.account_id, inbox) == {
        "totalEmails": 4,
        "unreadEmails": 2,
        "totalThreads": 3,
        "unreadThreads": 2,
    }


def test_one_email_in_two_mailboxes_counts_in_both(alice: Any) -> None:
    roles = {role: m for m, role in emails.mailbox_roles(alice.account_id).items()}
    ingest(alice.account_id, message("two@x", "Both"), mailbox_ids=[roles["inbox"], roles["archive"]])
    for box in (roles["inbox"], roles["archive"]):
        assert counters(alice.account_id, box) == {
            "totalEmails": 1,
            "unreadEmails": 1,
            "totalThreads": 1,
            "unreadThreads": 1,
        }
    assert counters(alice.account_id, roles["trash"])["totalEmails"] == 0


def test_retry_with_same_idempotency_key_creates_nothing(alice: Any) -> None:
    # Given a delivered message
    inbox = inbox_id(alice.account_id)
    first = ingest(alice.account_id, message("once@x", "Once"), mailbox_ids=[inbox], idempotency_key="ses-1")
    before = transactions.get_states(alice.account_id)
    # When the same delivery is retried
    with counting() as calls:
        again = ingest(
            alice.account_id, message("once@x", "Once"), mailbox_ids=[inbox], idempotency_key="ses-1"
        )
    # Then it answers with the first Email, writes nothing and moves no state
    assert (again.email_id, again.thread_id, again.created) == (first.email_id, first.thread_id, False)
    assert calls.s3 == {} and "TransactWriteItems" not in calls.dynamodb
    assert transactions.get_states(alice.account_id) == before
    assert counters(alice.account_id, inbox)["totalEmails"] == 1


def test_failure_between_s3_and_transaction_leaves_nothing_visible(
    alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a transaction that fails after the S3 write
    inbox = inbox_id(alice.account_id)
    before = transactions.get_states(alice.account_id)
    real_commit = transactions.commit

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("DynamoDB unavailable")

    monkeypatch.setattr(transactions, "commit", broken)
    raw = message("fail@x", "Flaky")
    with pytest.raises(RuntimeError):
        ingest(alice.account_id, raw, mailbox_ids=[inbox], idempotency_key="ses-2")
    # Then no Email, no state change, no counter moved (the S3 object is an unreferenced orphan)
    assert transactions.get_states(alice.account_id) == before
    assert counters(alice.account_id, inbox)["totalEmails"] == 0
    assert emails.list_ids(alice.account_id, 10) == []
    # When the delivery is retried once DynamoDB is back
    monkeypatch.setattr(transactions, "commit", real_commit)
    result = ingest(alice.account_id, raw, mailbox_ids=[inbox], idempotency_key="ses-2")
    # Then it succeeds, overwriting the orphan with the same octets
    assert result.created and emails.list_ids(alice.account_id, 10) == [result.email_id]
    assert counters(alice.account_id, inbox)["totalEmails"] == 1


def test_a_lost_race_retries_the_commit_without_tokenizing_the_message_again(
    alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a commit that loses one race to another writer of the same thread
    real_commit = transactions.commit
    lost: list[int] = []

    def racing(*args: Any, **kwargs: Any) -> Any:
        if not lost:
            lost.append(1)
            raise Conflict("thread:T-other")
        return real_commit(*args, **kwargs)

    tokenized: list[int] = []

    def counted(*args: Any) -> dict[str, int]:
        tokenized.append(1)
        return message_terms(*args)

    monkeypatch.setattr(transactions, "commit", racing)
    monkeypatch.setattr(ingest_module, "message_terms", counted)
    monkeypatch.setattr(retry, "pause", lambda _number: None)
    result = ingest(alice.account_id, message("race@x", "Racing"), mailbox_ids=[inbox_id(alice.account_id)])
    # Then the retry commits, and the message was turned into index terms once
    assert result.created and lost == [1] and tokenized == [1]
    assert emails.list_ids(alice.account_id, 10) == [result.email_id]


def test_received_at_defaults_to_now_and_keeps_a_given_time(alice: Any) -> None:
    inbox = inbox_id(alice.account_id)
    moment = datetime(2024, 4, 1, 12, 30, 5, 999, tzinfo=UTC)
    given = ingest(alice.account_id, message("t@x", "Time"), mailbox_ids=[inbox], received_at=moment)
    record = emails.get(alice.account_id, given.email_id)
    assert record is not None and record.received_at == "2024-04-01T12:30:05Z"


def test_unknown_or_too_many_mailboxes_are_refused(alice: Any) -> None:
    with pytest.raises(IngestError):
        ingest(alice.account_id, message("u@x", "U"), mailbox_ids=["Mnosuchbox"])
    with pytest.raises(IngestError):
        ingest(alice.account_id, message("u@x", "U"), mailbox_ids=[f"M{i}" for i in range(21)])
    assert emails.list_ids(alice.account_id, 10) == []


def test_ingest_into_inbox_lands_in_the_inbox(alice: Any) -> None:
    result = ingest_into_inbox("Alice@Example.com", message("addr@x", "Hello"))
    record = emails.get(alice.account_id, result.email_id)
    assert record is not None and record.mailbox_ids == (inbox_id(alice.account_id),)
    with pytest.raises(IngestError):
        ingest_into_inbox("nobody@example.com", message("n@x", "No"))
