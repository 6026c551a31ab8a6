"""DynamoDB throttling under a JMAP write (RFC 8620 §3.6.2): retried until it lands, else a clean error.

The shared botocore client retries throttling codes with backoff (standard mode); a transaction that
DynamoDB cancels with a ThrottlingError reason — which botocore does not retry — is retried by the
store's commit. When the retries are exhausted the client gets `serverUnavailable` with HTTP 200:
nothing half-written, nothing lost silently, no HTTP 500, and a bounded number of attempts.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from mailx import aws as mailx_aws
from mailx.store import transactions
from tests.helpers.faults import (
    CANCELED_THROTTLED,
    THROTTLED,
    THROTTLING,
    AwsError,
    Faults,
    dynamodb_client,
    failing,
)
from tests.helpers.messages import mail, put
from tests.helpers.views import call, changes, unchanged, view

KINDS = [THROTTLED, THROTTLING, CANCELED_THROTTLED]
MAX_BOTOCORE_ATTEMPTS = 6  # the shared client: standard retry mode, 5 retries


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The store's own backoff sleeps, recorded and skipped (botocore's are handled by `faults`)."""
    asked: list[float] = []
    monkeypatch.setattr(time, "sleep", asked.append)
    return asked


def _flag(client: Any, account: str, email_id: str) -> list[Any]:
    update = {email_id: {"keywords/$flagged": True, "keywords/$seen": True}}
    [response] = call(client, ["Email/set", {"accountId": account, "update": update}, "s"])
    return response


@pytest.mark.parametrize("error", KINDS, ids=lambda e: e.reason or e.code)
def test_throttled_write_is_retried_and_lands_once(
    client: Any, alice: Any, faults: Faults, sleeps: list[float], error: AwsError
) -> None:
    account = alice.account_id
    email_id = put(alice, mail("t@x", "Throttled"), 1)
    before = view(client, account)
    # When DynamoDB throttles the first two attempts of the update's transaction
    with failing(faults, "TransactWriteItems", error, times=2):
        name, result, _ = _flag(client, account, email_id)
    # Then the update is acknowledged, after backing off twice
    assert name == "Email/set" and result["updated"] == {email_id: None}, result
    assert faults.injected["TransactWriteItems"] == 2 and faults.attempts["TransactWriteItems"] == 3
    waited = faults.backoffs if error.reason is None else sleeps
    assert len(waited) >= 2 and all(d > 0 for d in waited[:2])
    # And it landed exactly once: keywords, counters and one state step
    after = view(client, account)
    assert after.emails[email_id]["keywords"] == {"$flagged": True, "$seen": True}
    inbox = next(iter(after.emails[email_id]["mailboxIds"]))
    assert after.counters[inbox]["unreadEmails"] == before.counters[inbox]["unreadEmails"] - 1
    assert int(after.states["Email"]) == int(before.states["Email"]) + 1
    assert changes(client, account, "Email", before.states["Email"])["updated"] == {email_id}


@pytest.mark.parametrize("error", KINDS, ids=lambda e: e.reason or e.code)
def test_throttling_that_never_ends_is_server_unavailable(
    client: Any, alice: Any, faults: Faults, sleeps: list[float], error: AwsError
) -> None:
    account = alice.account_id
    email_id = put(alice, mail("t@x", "Throttled"), 1)
    before = view(client, account)
    # When every attempt is throttled
    with failing(faults, "TransactWriteItems", error):
        name, result, _ = _flag(client, account, email_id)
    # Then the call answers serverUnavailable (a JMAP method error, HTTP 200) after a bounded effort
    assert (name, result["type"]) == ("error", "serverUnavailable"), result
    assert faults.attempts["TransactWriteItems"] <= transactions.MAX_ATTEMPTS
    # And nothing changed; once DynamoDB has capacity again the same request lands
    unchanged(client, account, before)
    name, result, _ = _flag(client, account, email_id)
    assert result["updated"] == {email_id: None}


def test_throttled_mailbox_create_is_server_unavailable_and_creates_nothing(
    client: Any, alice: Any, faults: Faults, sleeps: list[float]
) -> None:
    account = alice.account_id
    before = view(client, account)
    create = ["Mailbox/set", {"accountId": account, "create": {"n": {"name": "Receipts"}}}, "m"]
    with failing(faults, "TransactWriteItems", THROTTLED):
        [[name, result, _]] = call(client, create)
    assert (name, result["type"]) == ("error", "serverUnavailable"), result
    unchanged(client, account, before)


def test_shared_clients_retry_throttling_in_standard_mode(aws: None) -> None:
    """The retry policy the tests above rely on, as configured (a client built without it fails them)."""
    clients: list[Any] = [dynamodb_client(), mailx_aws.s3(), mailx_aws.sqs()]
    for client in clients:
        retries: dict[str, Any] = client.meta.config.retries
        assert retries.get("mode") in ("standard", "adaptive"), retries
        total = retries.get("total_max_attempts") or retries.get("max_attempts", 0) + 1
        assert total >= 5, retries


def test_throttling_after_part_of_a_set_landed_is_server_partial_fail(
    client: Any, alice: Any, faults: Faults, sleeps: list[float]
) -> None:
    account = alice.account_id
    first, second = put(alice, mail("p1@x", "One"), 1), put(alice, mail("p2@x", "Two"), 2)
    before = view(client, account)
    update = {first: {"keywords/$flagged": True}, second: {"keywords/$flagged": True}}
    # When the first update's transaction lands and every later one is throttled
    with failing(faults, "TransactWriteItems", THROTTLED, skip=1):
        [[name, result, _]] = call(client, ["Email/set", {"accountId": account, "update": update}, "s"])
    # Then the client is told that some, not all, changes happened (not "nothing changed")
    assert (name, result["type"]) == ("error", "serverPartialFail"), result
    after = view(client, account)
    assert after.emails[first]["keywords"] == {"$flagged": True} and after.emails[second]["keywords"] == {}
    assert changes(client, account, "Email", before.states["Email"])["updated"] == {first}


def test_a_read_throttled_through_every_retry_fails_only_its_call(
    client: Any, alice: Any, faults: Faults
) -> None:
    account = alice.account_id
    put(alice, mail("r@x", "Read"), 1)
    calls = [
        ["Email/query", {"accountId": account}, "q"],
        ["Mailbox/get", {"accountId": account, "ids": None, "properties": ["name"]}, "m"],
    ]
    # When every attempt of Email/query's read of its index is throttled
    with failing(faults, "Query", THROTTLED, table="test-emailindex"):
        responses = call(client, *calls)
    # Then that call answers a method error with HTTP 200 after botocore's attempts, and the next runs
    assert faults.injected["Query"] == MAX_BOTOCORE_ATTEMPTS
    assert [r[0] for r in responses] == ["error", "Mailbox/get"], responses
    assert responses[0][1]["type"] == "serverFail"


@pytest.mark.parametrize("error", [THROTTLED, THROTTLING], ids=lambda e: e.code)
def test_a_sign_in_read_throttled_through_every_retry_answers_503_not_500(
    alice: Any, faults: Faults, error: AwsError
) -> None:
    """Outside a method call (sign-in reads the login and account items) the answer is a 503 problem
    with Retry-After, which clients retry; nothing is a bare 500."""
    from fastapi.testclient import TestClient

    from jmap_api.app import create_app
    from tests.helpers.auth import basic

    with TestClient(
        create_app(), base_url="https://mail.example.test", raise_server_exceptions=False
    ) as http:
        with failing(faults, "GetItem", error), failing(faults, "Query", error):
            answer = http.get("/jmap/session", headers=basic("alice", "correct horse battery"))
        assert answer.status_code == 503, answer.text
        assert answer.headers["retry-after"] == "1"
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["status"] == 503
        assert faults.injected["GetItem"] + faults.injected["Query"] >= MAX_BOTOCORE_ATTEMPTS
        # and once DynamoDB answers again, so does the server
        assert http.get("/jmap/session", headers=basic("alice", "correct horse battery")).status_code == 200
