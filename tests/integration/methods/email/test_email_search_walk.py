"""Email/query without a total walks newest first and stops when the page is full (RFC 8621 §4.4).

Filters the full-text index does not bound (a `header` condition, text only under NOT or beside a
mailbox in an OR) take the walk (methods/email/_stream.py), the others the index. Either must give
exactly the scan's answer; the walk must cost the same whatever the mailbox size when matches are
frequent, and give up for a scan when matches are rare.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mailx.methods.email import _stream
from tests.helpers.call_counting import counting, items_read
from tests.helpers.jmap_calls import jmap
from tests.helpers.mailboxes import archive_id, inbox_id
from tests.helpers.messages import mail, put

SENDERS = ["Ann <ann@example.net>", "Bob <bob@example.org>", "Cy <cy@example.com>"]
SUBJECTS = ["Budget", "Lunch", "Trip", "Report"]
BODIES = ["figures attached", "see you at noon", "the budget is tight", "hello"]


def _mailbox(alice: Any, count: int, first: int = 0) -> None:
    """COUNT messages: three senders, four subjects, replies every fifth, some archived, seen, flagged."""
    inbox, archive = inbox_id(alice.account_id), archive_id(alice.account_id)
    for n in range(first, first + count):
        reply = n % 5 == 4
        subject = f"Re: {SUBJECTS[(n - 1) % 4]} {n - 1}" if reply else f"{SUBJECTS[n % 4]} {n}"
        raw = mail(f"w{n}@x", subject, sender=SENDERS[n % 3], body=BODIES[n % 5 % 4],
                   irt=f"w{n - 1}@x" if reply else "")  # fmt: skip
        words = ("$seen",) * (n % 3 == 0) + ("$flagged",) * (n % 7 == 0)
        put(alice, raw, n, boxes=[archive if n % 6 == 0 else inbox], keywords=words)


def _filters(alice: Any) -> Iterator[dict[str, Any]]:
    inbox, archive = inbox_id(alice.account_id), archive_id(alice.account_id)
    filters: list[dict[str, Any]] = [
        {"text": "budget"}, {"from": "bob"}, {"subject": "trip"}, {"body": "noon"},
        {"text": "budget figures"}, {"inMailbox": inbox, "text": "budget"},
        {"notKeyword": "$seen", "from": "ann"}, {"hasKeyword": "$flagged", "body": "hello"},
        {"operator": "OR", "conditions": [{"from": "cy"}, {"subject": "lunch"}]},
        {"operator": "NOT", "conditions": [{"text": "budget"}]},
        {"operator": "OR", "conditions": [{"inMailbox": archive}, {"subject": "trip"}]},
        {"operator": "AND", "conditions": [{"inMailbox": archive}, {"text": "e"}]},
        {"header": ["Subject", "report"]}, {"inMailboxOtherThan": [inbox], "minSize": 10},
    ]  # fmt: skip
    yield from filters


def _query(alice: Any, condition: dict[str, Any], **args: Any) -> dict[str, Any]:
    return {"accountId": alice.account_id, "filter": condition, **args}


def test_the_walk_answers_exactly_what_the_scan_answers(client: Any, alice: Any) -> None:
    # Given thirty varied messages
    _mailbox(alice, 30)
    windows = [{"position": 0, "limit": 3}, {"position": 2}]
    for condition in _filters(alice):
        calls = []
        for n, window in enumerate(windows):
            for collapse in (False, True):
                args = {**window, "collapseThreads": collapse}
                calls.append(["Email/query", _query(alice, condition, **args), f"walk{n}{collapse}"])
                total = {**args, "calculateTotal": True}
                calls.append(["Email/query", _query(alice, condition, **total), f"scan{n}{collapse}"])
        # When each query is asked without a total (the walk) and with one (the scan)
        responses = jmap(client, *calls)
        # Then both give the same ids and position; only the scan has a total
        for (_, walk, _), (_, scan, _) in zip(responses[::2], responses[1::2], strict=True):
            assert (walk["ids"], walk["position"]) == (scan["ids"], scan["position"]), condition
            assert "total" not in walk and scan["total"] >= len(scan["ids"])


def _search(client: Any, alice: Any, condition: dict[str, Any], limit: int) -> list[str]:
    [[name, got, _]] = jmap(client, ["Email/query", _query(alice, condition, limit=limit), "q"])
    assert name == "Email/query", got
    ids: list[str] = got["ids"]
    return ids


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 10 and a first look of 20, so a few dozen messages show what 100s would."""
    monkeypatch.setattr(_stream, "BATCH", 10)
    monkeypatch.setattr(_stream, "VIEW_PAGE", 10)
    monkeypatch.setattr(_stream, "FIRST_LOOK", 20)


def test_a_frequent_match_costs_the_same_at_30_and_60_messages(
    client: Any, alice: Any, small_batches: None
) -> None:
    costs = []
    for size in (30, 60):
        # Given a mailbox where every third message is from Bob
        _mailbox(alice, 30, first=size - 30)
        _search(client, alice, {"header": ["From", "bob"]}, 3)  # warm the sign-in cache
        # When the newest 3 of Bob's messages are asked for by header, without a total
        with counting() as calls, items_read() as items:
            found = _search(client, alice, {"header": ["From", "bob"]}, 3)
        assert len(found) == 3, size
        costs.append((dict(calls.dynamodb), dict(items)))
    # Then the second mailbox, twice as large, costs exactly the same: one view page, one batch
    assert costs[0] == costs[1]
    assert costs[0][0]["BatchGetItem"] == 1 and costs[0][1]["BatchGetItem"] == 10


def test_a_rare_match_gives_up_the_walk_for_a_scan(client: Any, alice: Any, small_batches: None) -> None:
    # Given sixty messages of which only the oldest says "zebra"
    inbox = inbox_id(alice.account_id)
    put(alice, mail("z@x", "Zebra sighting"), 0)
    for n in range(1, 60):
        put(alice, mail(f"p{n}@x", f"Plain {n}"), n)
    _search(client, alice, {"inMailbox": inbox}, 1)  # warm the sign-in cache
    # When it is searched for without a total
    with counting() as calls:
        found = _search(client, alice, {"header": ["Subject", "zebra"]}, 5)
    # Then it is found, after two batches of the walk (20 Emails) and then a scan, not six batches
    assert len(found) == 1
    assert calls.dynamodb["BatchGetItem"] == 2
