"""Email/query (RFC 8621 §4.4) through the HTTP API: every filter, every sort, collapseThreads, windows."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.jmap_calls import jmap
from tests.helpers.mailboxes import archive_id, inbox_id
from tests.helpers.messages import mail, put


@pytest.fixture
def box(alice: Any) -> dict[str, str]:
    """Five messages: a thread of two (a1, a2), and three singles with varied headers, sizes, keywords."""
    archive = archive_id(alice.account_id)
    inbox = inbox_id(alice.account_id)
    return {
        "a1": put(alice, mail("a1@x", "Lunch plans", body="Shall we eat pizza?"), 1, keywords=("$seen",)),
        "a2": put(alice, mail("a2@x", "Re: Lunch plans", sender="Bob <bob@example.org>", irt="a1@x"), 2),
        "b": put(
            alice,
            mail(
                "b@x",
                "Invoice 42",
                cc="Carol <carol@example.com>",
                body="Total due: 99 EUR",
                date="Sun, 31 Mar 2024 09:00:00 +0000",
                extra="X-Priority: 1",
            ),
            3,
            keywords=("$flagged", "$seen"),
        ),
        "c": put(
            alice,
            mail(
                "c@x",
                "Zebra facts",
                sender="zed@example.net",
                to="Dan <dan@example.com>",
                body="Stripes " * 200,
            ),
            4,
            boxes=[archive],
        ),
        "d": put(
            alice,
            mail("d@x", "apple news", body="<b>html</b>"),
            5,
            boxes=[inbox, archive],
            keywords=("$flagged",),
        ),
    }


def query(client: Any, alice: Any, **args: Any) -> dict[str, Any]:
    [[name, result, _]] = jmap(client, ["Email/query", {"accountId": alice.account_id, **args}, "q"])
    assert name == "Email/query", result
    answer: dict[str, Any] = result
    return answer


def ids_of(client: Any, alice: Any, box: dict[str, str], **args: Any) -> list[str]:
    names = {v: k for k, v in box.items()}
    return [names[i] for i in query(client, alice, **args)["ids"]]


def test_default_order_is_newest_first_over_all_mail(client: Any, alice: Any, box: dict[str, str]) -> None:
    result = query(client, alice, calculateTotal=True)
    assert [box[k] for k in ("d", "c", "b", "a2", "a1")] == result["ids"]
    assert result["total"] == 5 and result["canCalculateChanges"] is True and result["position"] == 0


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"inMailboxOtherThan": ["INBOX"]}, ["d", "c"]),
        ({"before": "2024-04-01T10:03:00Z"}, ["a2", "a1"]),
        ({"after": "2024-04-01T10:03:00Z"}, ["d", "c", "b"]),
        ({"minSize": 1000}, ["c"]),
        ({"maxSize": 1000}, ["d", "b", "a2", "a1"]),
        ({"allInThreadHaveKeyword": "$seen"}, ["b"]),
        ({"someInThreadHaveKeyword": "$SEEN"}, ["b", "a2", "a1"]),
        ({"noneInThreadHaveKeyword": "$seen"}, ["d", "c"]),
        ({"hasKeyword": "$flagged"}, ["d", "b"]),
        ({"notKeyword": "$seen"}, ["d", "c", "a2"]),
        ({"hasAttachment": False}, ["d", "c", "b", "a2", "a1"]),
        ({"hasAttachment": True}, []),
        ({"text": "carol"}, ["b"]),
        ({"text": "PIZZA"}, ["a1"]),
        ({"text": "lunch bob"}, ["a2"]),
        ({"text": '"due: 99"'}, ["b"]),
        ({"text": '"99 due"'}, []),
        ({"from": "bob@example"}, ["a2"]),
        ({"to": "dan"}, ["c"]),
        ({"cc": "carol@"}, ["b"]),
        ({"bcc": "anyone"}, []),
        ({"subject": "lunch"}, ["a2", "a1"]),
        ({"body": "stripes"}, ["c"]),
        ({"body": "zebra"}, []),
        ({"header": ["X-Priority"]}, ["b"]),
        ({"header": ["x-priority", "1"]}, ["b"]),
        ({"header": ["X-Priority", "2"]}, []),
        ({}, ["d", "c", "b", "a2", "a1"]),
    ],
)
def test_each_filter_condition(
    client: Any, alice: Any, box: dict[str, str], condition: dict[str, Any], expected: list[str]
) -> None:
    if condition.get("inMailboxOtherThan") == ["INBOX"]:
        condition = {"inMailboxOtherThan": [inbox_id(alice.account_id)]}
    assert ids_of(client, alice, box, filter=condition) == expected


def test_operators_and_in_mailbox(client: Any, alice: Any, box: dict[str, str]) -> None:
    inbox, archive = inbox_id(alice.account_id), archive_id(alice.account_id)
    assert ids_of(client, alice, box, filter={"inMailbox": archive}) == ["d", "c"]
    assert ids_of(client, alice, box, filter={"operator": "OR", "conditions": [
        {"subject": "zebra"}, {"subject": "invoice"}]}) == ["c", "b"]  # fmt: skip
    assert ids_of(client, alice, box, filter={"operator": "NOT", "conditions": [{"inMailbox": inbox}]}) == [
        "c"
    ]
    assert ids_of(client, alice, box, filter={"operator": "AND", "conditions": [
        {"inMailbox": inbox}, {"hasKeyword": "$flagged"}, {"text": "invoice"}]}) == ["b"]  # fmt: skip


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ([{"property": "receivedAt", "isAscending": True}], ["a1", "a2", "b", "c", "d"]),
        ([{"property": "size", "isAscending": False}], ["c"]),
        ([{"property": "subject"}], ["d", "b", "a2", "a1", "c"]),
        ([{"property": "subject", "collation": "i;octet"}], ["b", "a2", "a1", "c", "d"]),
        ([{"property": "from"}], ["d", "b", "a1", "a2", "c"]),
        ([{"property": "to"}], ["d", "b", "a2", "a1", "c"]),
        ([{"property": "sentAt"}], ["b", "d", "c", "a2", "a1"]),
        ([{"property": "hasKeyword", "keyword": "$flagged", "isAscending": False}],
         ["d", "b", "c", "a2", "a1"]),
        ([{"property": "allInThreadHaveKeyword", "keyword": "$seen", "isAscending": False}],
         ["b", "d", "c", "a2", "a1"]),
        ([{"property": "someInThreadHaveKeyword", "keyword": "$seen", "isAscending": False}],
         ["b", "a2", "a1", "d", "c"]),
    ],
)  # fmt: skip
def test_each_sort(
    client: Any, alice: Any, box: dict[str, str], sort: list[dict[str, Any]], expected: list[str]
) -> None:
    assert ids_of(client, alice, box, sort=sort)[: len(expected)] == expected


def test_collapse_threads_and_windows(client: Any, alice: Any, box: dict[str, str]) -> None:
    inbox = inbox_id(alice.account_id)
    assert ids_of(client, alice, box, collapseThreads=True) == ["d", "c", "b", "a2"]
    collapsed = query(client, alice, filter={"inMailbox": inbox}, collapseThreads=True, calculateTotal=True)
    assert collapsed["ids"] == [box["d"], box["b"], box["a2"]] and collapsed["total"] == 3
    oldest_first = [{"property": "receivedAt", "isAscending": True}]
    assert ids_of(client, alice, box, sort=oldest_first, collapseThreads=True) == ["a1", "b", "c", "d"]
    page = query(client, alice, position=1, limit=2, calculateTotal=True)
    assert (page["ids"], page["position"], page["total"]) == ([box["c"], box["b"]], 1, 5)
    anchored = query(client, alice, anchor=box["b"], anchorOffset=-1, limit=2)
    assert (anchored["ids"], anchored["position"]) == ([box["c"], box["b"]], 1)
    assert query(client, alice, position=-2)["ids"] == [box["a2"], box["a1"]]
    assert query(client, alice, position=9)["ids"] == []
    [[name, error, _]] = jmap(
        client, ["Email/query", {"accountId": alice.account_id, "anchor": "Mnope"}, "x"]
    )
    assert (name, error["type"]) == ("error", "anchorNotFound")


def test_indexed_views_and_totals(client: Any, alice: Any, box: dict[str, str]) -> None:
    inbox, archive = inbox_id(alice.account_id), archive_id(alice.account_id)
    unread = query(client, alice, filter={"notKeyword": "$seen"}, calculateTotal=True, limit=2)
    assert (unread["ids"], unread["total"]) == ([box["d"], box["c"]], 3)
    flagged = query(client, alice, filter={"operator": "AND", "conditions": [
        {"inMailbox": inbox}, {"hasKeyword": "$flagged"}]}, calculateTotal=True)  # fmt: skip
    assert (flagged["ids"], flagged["total"]) == ([box["d"], box["b"]], 2)
    assert query(client, alice, filter={"inMailbox": archive, "notKeyword": "$seen"})["ids"] == [
        box["d"],
        box["c"],
    ]
    big = query(client, alice, limit=5000)
    assert big["limit"] == 1000 and len(big["ids"]) == 5


def test_bad_arguments(client: Any, alice: Any, box: dict[str, str]) -> None:
    calls = [
        ["Email/query", {"accountId": alice.account_id, "filter": {"colour": "red"}}, "a"],
        ["Email/query", {"accountId": alice.account_id, "sort": [{"property": "colour"}]}, "b"],
        ["Email/query", {"accountId": alice.account_id, "sort": [{"property": "hasKeyword"}]}, "c"],
        ["Email/query", {"accountId": alice.account_id, "filter": {"hasKeyword": "a b"}}, "d"],
        ["Email/query", {"accountId": alice.account_id, "filter": {"header": []}}, "e"],
        ["Email/query", {"accountId": alice.account_id, "filter": {"before": "yesterday"}}, "f"],
    ]
    types = [r[1]["type"] for r in jmap(client, *calls)]
    assert types == ["unsupportedFilter", "unsupportedSort"] + ["invalidArguments"] * 4
