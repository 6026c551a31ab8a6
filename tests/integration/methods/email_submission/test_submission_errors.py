"""EmailSubmission/set SetErrors (RFC 8621 §7.5), the send rate limit, cancel, and /get /changes /query.

Every rejected create leaves nothing behind: no record, nothing queued.
"""

from __future__ import annotations

from typing import Any

import pytest

from mailx.local.outbound_worker import poll_once
from mailx.store import submissions
from tests.helpers.submission import FULL, FakeRelay, call, draft, identity_of, queue_depth, submit


def _rejected(client: Any, account: str, create: dict[str, Any]) -> dict[str, Any]:
    [[_, result, _]] = submit(client, account, create)
    assert result["created"] is None and queue_depth() == 0 and submissions.list_all(account) == []
    error: dict[str, Any] = result["notCreated"]["s"]
    return error


def _rcpts(*emails: str) -> dict[str, Any]:
    return {
        "mailFrom": {"email": "alice@example.com", "parameters": None},
        "rcptTo": [{"email": e, "parameters": None} for e in emails],
    }


CASES: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    ("unknown-email", {}, {"emailId": "Mnope"}, {"type": "invalidProperties", "properties": ["emailId"]}),
    ("no-from", {"from": None}, {}, {"type": "invalidEmail", "properties": ["from"]}),
    ("foreign-from", {"from": [{"email": "mallory@example.com"}]}, {}, {"type": "forbiddenFrom"}),
    ("foreign-mail-from", {}, {"envelope": {**_rcpts("bob@example.com"), "mailFrom": {"email": "x@y.test"}}},
     {"type": "forbiddenMailFrom"}),
    ("no-recipients", {"to": None, "bcc": None}, {}, {"type": "noRecipients"}),
    ("invalid-recipients", {}, {"envelope": _rcpts("bob@example.com", "not an address")},
     {"type": "invalidRecipients", "invalidRecipients": ["not an address"]}),
    ("too-many", {}, {"envelope": _rcpts(*[f"r{i}@elsewhere.test" for i in range(51)])},
     {"type": "tooManyRecipients", "maxRecipients": 50}),
    ("hold-too-long", {}, {"envelope": {**_rcpts("bob@example.com"),
     "mailFrom": {"email": "alice@example.com", "parameters": {"HOLDFOR": "999999999"}}}},
     {"type": "invalidProperties", "properties": ["envelope"]}),
    ("server-set", {}, {"undoStatus": "final"}, {"type": "invalidProperties", "properties": ["undoStatus"]}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("email_fields", "create", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_create_errors(
    sending: Any, alice: Any, email_fields: dict[str, Any], create: dict[str, Any], expected: dict[str, Any]
) -> None:
    account = alice.account_id
    base = {"identityId": identity_of(sending, account), "emailId": draft(sending, account, **email_fields)}
    error = _rejected(sending, account, {**base, **create})
    assert {k: error[k] for k in expected} == expected


def test_too_large_names_max_size(sending: Any, alice: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from mailx.methods.email_submission import _create

    monkeypatch.setattr(_create, "MAX_SEND_SIZE", 100)
    account = alice.account_id
    error = _rejected(
        sending, account, {"identityId": identity_of(sending, account), "emailId": draft(sending, account)}
    )
    assert error["type"] == "tooLarge" and error["maxSize"] == 100


def test_unknown_identity_and_queue_outage(sending: Any, alice: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from mailx.mail import outbound

    account = alice.account_id
    email_id = draft(sending, account)
    error = _rejected(sending, account, {"identityId": "Inope", "emailId": email_id})
    assert error == {
        "type": "invalidProperties",
        "properties": ["identityId"],
        "description": error["description"],
    }

    def down(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("SQS is down")

    monkeypatch.setattr(outbound, "enqueue", down)
    error = _rejected(sending, account, {"identityId": identity_of(sending, account), "emailId": email_id})
    assert error["type"] == "forbiddenToSend"


def test_rate_limit_sends_nothing_over_it(sending: Any, alice: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from mailx import config

    monkeypatch.setenv("SEND_RATE_LIMIT", "1")
    config.reset_settings()
    account = alice.account_id
    create = {"identityId": identity_of(sending, account), "emailId": draft(sending, account)}
    [[_, first, _]] = submit(sending, account, create)
    [[_, second, _]] = submit(sending, account, create)
    assert first["created"] and second["notCreated"]["s"]["type"] == "rateLimit"
    assert queue_depth() == 1 and len(submissions.list_all(account)) == 1


def test_cancel_while_pending_then_cannot_unsend_once_sent(sending: Any, alice: Any) -> None:
    account = alice.account_id
    identity = identity_of(sending, account)
    [[_, made, _]] = submit(sending, account, {"identityId": identity, "emailId": draft(sending, account)})
    first = made["created"]["s"]["id"]
    cancel = {"accountId": account, "update": {first: {"undoStatus": "canceled"}}}
    [[_, canceled, _]] = call(sending, FULL, ["EmailSubmission/set", cancel, "c"])
    assert canceled["updated"] == {first: None}
    relay = FakeRelay()
    assert poll_once(relay) == 1 and relay.calls == []  # the consumer drops a canceled send
    # A second one is sent; canceling it afterwards is cannotUnsend
    [[_, made, _]] = submit(sending, account, {"identityId": identity, "emailId": draft(sending, account)})
    second = made["created"]["s"]["id"]
    assert poll_once(relay) == 1 and len(relay.calls) == 1
    cancel = {"accountId": account, "update": {second: {"undoStatus": "canceled"}}}
    [[_, refused, _]] = call(sending, FULL, ["EmailSubmission/set", cancel, "c"])
    assert refused["notUpdated"][second]["type"] == "cannotUnsend"
    got = {s.submission_id: s.undo_status for s in submissions.list_all(account)}
    assert got == {first: "canceled", second: "final"}


def test_get_changes_query_and_destroy(sending: Any, alice: Any) -> None:
    account = alice.account_id
    identity = identity_of(sending, account)
    emails_sent = [draft(sending, account), draft(sending, account)]
    ids = []
    for email_id in emails_sent:
        [[_, made, _]] = submit(sending, account, {"identityId": identity, "emailId": email_id})
        ids.append(made["created"]["s"]["id"])
    [[_, got, _]] = call(sending, FULL, ["EmailSubmission/get", {"accountId": account, "ids": None}, "g"])
    state = got["state"]
    assert {s["id"] for s in got["list"]} == set(ids) and got["notFound"] == []
    assert poll_once(FakeRelay()) == 2
    # Then /changes reports both as updated by the consumer, and /query filters on undoStatus
    [[_, changed, _]] = call(
        sending, FULL, ["EmailSubmission/changes", {"accountId": account, "sinceState": state}, "c"]
    )
    assert sorted(changed["updated"]) == sorted(ids) and changed["created"] == []
    query = {"accountId": account, "filter": {"undoStatus": "final", "emailIds": [emails_sent[1]]},
             "sort": [{"property": "sentAt", "isAscending": False}]}  # fmt: skip
    [[_, found, _]] = call(sending, FULL, ["EmailSubmission/query", query, "q"])
    assert found["ids"] == [ids[1]] and found["canCalculateChanges"] is True
    sort = {
        "accountId": account,
        "sort": [{"property": "emailId"}],
        "filter": {"after": "2000-01-01T00:00:00Z"},
    }
    [[_, everything, _]] = call(sending, FULL, ["EmailSubmission/query", sort, "q"])
    assert sorted(everything["ids"]) == sorted(ids)
    # When one is destroyed, it is gone from /get and /queryChanges says so
    [[_, destroyed, _]] = call(
        sending, FULL, ["EmailSubmission/set", {"accountId": account, "destroy": [ids[0]]}, "d"]
    )
    assert destroyed["destroyed"] == [ids[0]]
    since = {"accountId": account, "sinceQueryState": found["queryState"]}
    [[_, qc, _]] = call(sending, FULL, ["EmailSubmission/queryChanges", since, "qc"])
    assert ids[0] in qc["removed"]
    assert [s.submission_id for s in submissions.list_all(account)] == [ids[1]]


def test_held_send_waits_for_its_send_at(sending: Any, alice: Any) -> None:
    account = alice.account_id
    envelope = {"mailFrom": {"email": "alice@example.com", "parameters": {"HOLDFOR": "3600"}},
                "rcptTo": [{"email": "bob@example.com", "parameters": None}]}  # fmt: skip
    create = {
        "identityId": identity_of(sending, account),
        "emailId": draft(sending, account),
        "envelope": envelope,
    }
    [[_, made, _]] = submit(sending, account, create)
    [record] = submissions.list_all(account)
    assert made["created"]["s"]["sendAt"] == record.send_at and record.undo_status == "pending"
    # The first hop is delayed by SQS itself (900 s), so nothing is visible to the consumer yet
    relay = FakeRelay()
    assert poll_once(relay) == 0 and queue_depth() == 1 and relay.calls == []
