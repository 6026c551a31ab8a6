"""EmailSubmission/get (RFC 8621 §7.1) reads the ids asked for by key, whatever the account's history.

Submissions pile up with every send; a /get of one id must not read them all. `ids: null` lists them
up to maxObjectsInGet and answers requestTooLarge beyond (RFC 8620 §5.1).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from mailx.store import submissions
from tests.helpers.call_counting import counting, items_read
from tests.helpers.submission import FULL, call, draft, identity_of, submit


def _sent(client: Any, account: str, count: int) -> list[str]:
    identity = identity_of(client, account)
    made = []
    for _ in range(count):
        create = {"identityId": identity, "emailId": draft(client, account)}
        [[_, result, _]] = submit(client, account, create)
        made.append(result["created"]["s"]["id"])
    return made


def _get(client: Any, account: str, ids: list[str] | None) -> list[Any]:
    [[name, result, _]] = call(client, FULL, ["EmailSubmission/get", {"accountId": account, "ids": ids}, "g"])
    return [name, result]


def test_get_by_id_reads_only_the_ids_asked_for(sending: Any, alice: Any) -> None:
    # Given alice has sent four messages
    account = alice.account_id
    ids = _sent(sending, account, 4)
    _get(sending, account, ids[:1])  # warm the sign-in cache
    # When she gets one of them and an unknown id
    with counting() as calls, items_read() as items:
        name, got = _get(sending, account, [ids[2], "Sunknown"])
    # Then one BatchGetItem read one item: no Query over her other submissions
    assert name == "EmailSubmission/get"
    assert [s["id"] for s in got["list"]] == [ids[2]] and got["notFound"] == ["Sunknown"]
    assert calls.dynamodb["Query"] == 0 and calls.dynamodb["BatchGetItem"] == 1
    assert items["BatchGetItem"] == 1 and items["Query"] == 0


def test_a_destroyed_submission_is_not_found_by_id(sending: Any, alice: Any) -> None:
    # Given a queued submission alice destroyed (hidden until the consumer ends the send)
    account = alice.account_id
    [gone, kept] = _sent(sending, account, 2)
    call(sending, FULL, ["EmailSubmission/set", {"accountId": account, "destroy": [gone]}, "d"])
    assert submissions.get(account, gone) is not None  # still there for the consumer
    # Then /get by id does not show it, and ids null lists only the other
    _, got = _get(sending, account, [gone, kept])
    assert [s["id"] for s in got["list"]] == [kept] and got["notFound"] == [gone]
    _, every = _get(sending, account, None)
    assert [s["id"] for s in every["list"]] == [kept]


def test_ids_null_beyond_max_objects_in_get_is_request_too_large(
    sending: Any, alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mailx.limits import LIMITS
    from mailx.methods.email_submission import get as submission_get

    # Given three submissions and a maxObjectsInGet of 2
    account = alice.account_id
    ids = _sent(sending, account, 3)
    monkeypatch.setattr(submission_get, "LIMITS", replace(LIMITS, max_objects_in_get=2))
    # When alice asks for all of them, then it is requestTooLarge; two by id still answer
    name, error = _get(sending, account, None)
    assert name == "error" and error["type"] == "requestTooLarge"
    _, got = _get(sending, account, ids[:2])
    assert [s["id"] for s in got["list"]] == ids[:2]
    # And at the limit, ids null lists them all
    monkeypatch.setattr(submission_get, "LIMITS", replace(LIMITS, max_objects_in_get=3))
    _, every = _get(sending, account, None)
    assert [s["id"] for s in every["list"]] == ids
