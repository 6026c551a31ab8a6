"""Faults inside an SES delivery (RFC 8621 §4 ingest): S3 first, then one DynamoDB transaction.

Given a real-shaped SES Lambda event, When the function dies after the S3 copy or the transaction fails,
Then no Email, counter, thread, state or change-log entry is visible through JMAP, and the redelivered
event (same SES message id, so the same idempotency key) leaves exactly one Email.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mailx import aws
from mailx.config import get_settings
from mailx.mail import inbound
from mailx.store import emails
from tests.helpers.auth import ALICE
from tests.helpers.faults import INTERNAL, THROTTLED, Crash, Faults, crashing, dynamodb_client, failing
from tests.helpers.ses_events import RAW, invoke, receive
from tests.helpers.views import View, changes, unchanged, view

MAX_BOTOCORE_ATTEMPTS = 6  # the shared client: standard retry mode, 5 retries


def _stored(account: str) -> list[str]:
    """The keys of the account's stored messages in S3."""
    found = aws.s3().list_objects_v2(Bucket=get_settings().bucket_name, Prefix=f"emails/{account}/")
    return [o["Key"] for o in found.get("Contents", [])]


def _delivered_once(client: Any, account: str, before: View) -> str:
    """Exactly one new Email, in the Inbox, counted, threaded and logged; its id."""
    after = view(client, account)
    [new] = set(after.emails) - set(before.emails)
    inbox = next(iter(after.emails[new]["mailboxIds"]))
    assert after.counters[inbox]["totalEmails"] == before.counters[inbox]["totalEmails"] + 1
    assert after.counters[inbox]["unreadEmails"] == before.counters[inbox]["unreadEmails"] + 1
    assert after.threads[after.emails[new]["threadId"]] == [new]
    logged = changes(client, account, "Email", before.states["Email"])
    assert (logged["created"], logged["updated"], logged["steps"]) == ({new}, set(), 1)
    assert int(after.states["Email"]) == int(before.states["Email"]) + 1
    download = client.get(f"/jmap/download/{account}/{new}/m.eml?accept=message/rfc822", headers=ALICE)
    assert download.status_code == 200 and download.content == RAW
    return new


def _redelivered(client: Any, account: str, event: dict[str, Any], before: View) -> None:
    """SES/Lambda retries: the first retry delivers once, any later one is a duplicate."""
    assert invoke(copy.deepcopy(event))["results"][0]["delivered"] == 1
    email_id = _delivered_once(client, account, before)
    assert invoke(copy.deepcopy(event))["results"][0]["delivered"] == 0
    assert set(view(client, account).emails) - set(before.emails) == {email_id}


def test_crash_between_the_s3_copy_and_the_transaction(client: Any, alice: Any) -> None:
    account = alice.account_id
    event = receive("ses-crash-s3", ["alice@example.com"])
    before = view(client, account)
    # When the function dies right after copying the message to its emails/ key
    with crashing(aws.s3(), "after-call.s3.CopyObject"), pytest.raises(Crash):
        invoke(copy.deepcopy(event))
    # Then the octets are there (an orphan nobody refers to), and nothing else is
    assert len(_stored(account)) == 1
    unchanged(client, account, before)
    assert emails.ingested(account, "ses:ses-crash-s3") is None
    # And the redelivered event completes with exactly one Email
    _redelivered(client, account, event, before)
    assert len(_stored(account)) == 1  # the retry overwrote the orphan: same key


def test_crash_during_the_transaction(client: Any, alice: Any) -> None:
    account = alice.account_id
    event = receive("ses-crash-tx", ["alice@example.com"])
    before = view(client, account)
    with crashing(dynamodb_client(), "before-call.dynamodb.TransactWriteItems"), pytest.raises(Crash):
        invoke(copy.deepcopy(event))
    unchanged(client, account, before)
    _redelivered(client, account, event, before)


@pytest.mark.parametrize("first_failing", [1, 2, 3])
def test_failed_transactions_leave_all_or_nothing(
    client: Any, alice: Any, faults: Faults, first_failing: int
) -> None:
    """Every TransactWriteItems from the FIRST_FAILING-th on fails for good (botocore retries included).

    Whatever number of transactions an ingest needs, the delivery is then all or nothing.
    """
    account = alice.account_id
    event = receive(f"ses-fail-{first_failing}", ["alice@example.com"])
    before = view(client, account)
    with failing(faults, "TransactWriteItems", INTERNAL, skip=first_failing - 1):
        try:
            result: dict[str, Any] | None = invoke(copy.deepcopy(event))
        except inbound.DeliveryFailed:
            result = None
    if result is None:
        # after botocore's own retries, and no retry loop on top of them (5xx and throttling alike)
        assert faults.injected["TransactWriteItems"] == MAX_BOTOCORE_ATTEMPTS
        unchanged(client, account, before)
        _redelivered(client, account, event, before)
    else:  # the ingest needed fewer transactions than FIRST_FAILING: it must be whole
        assert result["results"][0]["delivered"] == 1
        _delivered_once(client, account, before)


def test_throttled_transaction_is_retried_and_lands_once(client: Any, alice: Any, faults: Faults) -> None:
    account = alice.account_id
    event = receive("ses-throttled", ["alice@example.com"])
    before = view(client, account)
    # When DynamoDB throttles the ingest transaction twice
    with failing(faults, "TransactWriteItems", THROTTLED, times=2):
        assert invoke(copy.deepcopy(event))["results"][0]["delivered"] == 1
    # Then botocore backed off and retried, and the message is there once
    assert faults.injected["TransactWriteItems"] == 2 and len(faults.backoffs) >= 2
    _delivered_once(client, account, before)
