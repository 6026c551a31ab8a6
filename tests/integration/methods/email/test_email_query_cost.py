"""Email/query's indexed views cost the same calls and items at 60 and 180 messages (architecture targets).

The 1,000 / 100,000 comparison is a benchmark (bench/); this keeps the property in every test run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from mailx.mail.ingest import ingest
from mailx.protocol.capabilities import CORE, MAIL
from tests.helpers.auth import ALICE
from tests.helpers.call_counting import counting, items_read
from tests.helpers.mailboxes import inbox_id
from tests.helpers.messages import message

LIST_PROPERTIES = ["threadId", "mailboxIds", "keywords", "from", "subject", "receivedAt", "preview", "size"]


def fill(account_id: str, first: int, count: int) -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    inbox = inbox_id(account_id)
    for n in range(first, first + count):
        words: tuple[str, ...] = ("$seen",) if n % 10 == 0 else ()
        words += ("$flagged",) if n % 10 != 5 else ()
        raw = message(f"m{n}@cost", f"Message {n}")
        ingest(account_id, raw, mailbox_ids=[inbox], keywords=words, received_at=start + timedelta(minutes=n))


def open_inbox(client: Any, account_id: str, condition: dict[str, Any]) -> list[Any]:
    calls = [
        ["Mailbox/get", {"accountId": account_id}, "0"],
        ["Email/query", {"accountId": account_id, "filter": condition,
                         "sort": [{"property": "receivedAt", "isAscending": False}], "limit": 50,
                         "collapseThreads": True}, "1"],
        ["Email/get", {"accountId": account_id, "properties": LIST_PROPERTIES,
                       "#ids": {"resultOf": "1", "name": "Email/query", "path": "/ids"}}, "2"],
    ]  # fmt: skip
    response = client.post("/jmap/api", json={"using": [CORE, MAIL], "methodCalls": calls}, headers=ALICE)
    assert response.status_code == 200
    result: list[Any] = response.json()["methodResponses"]
    return result


def measure(client: Any, account_id: str, condition: dict[str, Any]) -> tuple[dict[str, int], dict[str, int]]:
    open_inbox(client, account_id, condition)  # warm: sign-in caches
    with counting() as calls, items_read() as items:
        responses = open_inbox(client, account_id, condition)
    assert [r[0] for r in responses] == ["Mailbox/get", "Email/query", "Email/get"], responses
    assert len(responses[2][1]["list"]) == 50
    assert calls.s3 == {}
    return dict(calls.dynamodb), dict(items)


def test_open_a_view_costs_the_same_at_60_and_180_messages(client: Any, alice: Any) -> None:
    # Given an inbox of 60 messages (most unread, most flagged), measured, then one of 180
    account_id = alice.account_id
    inbox = inbox_id(account_id)
    views = [
        {"inMailbox": inbox},
        {},
        {"notKeyword": "$seen"},
        {"inMailbox": inbox, "hasKeyword": "$flagged"},
    ]
    fill(account_id, 0, 60)
    small = [measure(client, account_id, condition) for condition in views]
    fill(account_id, 60, 120)
    large = [measure(client, account_id, condition) for condition in views]
    # Then every view costs the same calls and reads the same items: the cost follows the page
    assert small == large
    # Sign-in (GetItem of the account, which also carries the states), Mailbox/get (Query), Email/query
    # (Query of 50), Email/get (BatchGetItem): the target of at most 4 calls (docs/architecture.md)
    assert small[0][0] == {"Query": 2, "GetItem": 1, "BatchGetItem": 1}, small
    assert sum(small[0][0].values()) <= 4
    assert small[0][1]["BatchGetItem"] == 50
