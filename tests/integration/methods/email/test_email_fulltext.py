"""Email/query from the full-text index (RFC 8621 §4.4.1, docs/search.md), over HTTP on moto.

Every test runs twice: with the index's defaults (recent mail waits in the tail) and with `tiny_index`
(compaction and merges after every few messages), so both the tail and the segments answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from mailx.mail.ingest import ingest
from mailx.store import blobs, email_index, emails, fulltext
from tests.helpers.call_counting import counting
from tests.helpers.jmap_calls import jmap, upload
from tests.helpers.mailboxes import archive_id, inbox_id
from tests.helpers.messages import mail, put

HTML_MAIL = (
    b"Message-ID: <h@x>\r\nFrom: Eve <eve@example.net>\r\nTo: alice@example.com\r\nSubject: Newsletter\r\n"
    b"Date: Mon, 01 Apr 2024 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    b"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    b"<p>Our <b>quarterly</b> r&eacute;sum&eacute; &amp; outlook</p>\r\n"
    b"--b\r\nContent-Type: application/pdf\r\n"
    b'Content-Disposition: attachment; filename="Rechnung-2024.pdf"\r\n'
    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
)


@pytest.fixture(params=["tail", "segments"])
def mode(request: Any) -> Iterator[str]:
    """Run with the default index, and again with one that compacts after every few messages."""
    if request.param == "segments":
        request.getfixturevalue("tiny_index")
    yield str(request.param)


@pytest.fixture
def box(alice: Any, mode: str) -> dict[str, str]:
    """Seven messages: varied headers, a long body, HTML with an attachment, CJK, accents."""
    archive = archive_id(alice.account_id)
    long_body = ("filler words here " * 3000) + "needle at the end"
    made = _box(alice, archive, long_body)
    # With tiny_index the messages are in segments (and merged), the tail nearly empty.
    assert bool(fulltext.read(alice.account_id).manifest.segments) is (mode == "segments")
    return made


def _box(alice: Any, archive: str, long_body: str) -> dict[str, str]:
    return {
        "a": put(alice, mail("a@x", "Lunch plans", body="Shall we eat pizza?"), 1, keywords=("$seen",)),
        "b": put(
            alice,
            mail("b@x", "Invoice 42", cc="Carol <carol@example.com>", body="Total due: 99 EUR"),
            2,
            keywords=("$flagged",),
        ),
        "c": put(
            alice,
            mail(
                "c@x",
                "Zebra facts",
                sender="Zed <zed@example.net>",
                to="Dan <dan@example.com>",
                body=long_body,
            ),
            3,
            boxes=[archive],
        ),
        "d": put(alice, HTML_MAIL, 4),
        "e": put(alice, mail("e@x", "会議の件", body="明日は東京都で会議があります"), 5),
        "f": put(alice, mail("f@x", "Café Crème", body="Straße Ångström naïve"), 6),
        "g": put(
            alice,
            mail(
                "g@x",
                "Re: Invoice 42",
                sender="Bob <bob@example.org>",
                irt="b@x",
                body="invoices attached; see the invoice",
            ),
            7,
        ),
    }


def query(client: Any, alice: Any, **args: Any) -> dict[str, Any]:
    [[name, result, _]] = jmap(client, ["Email/query", {"accountId": alice.account_id, **args}, "q"])
    assert name == "Email/query", result
    answer: dict[str, Any] = result
    return answer


def found(client: Any, alice: Any, box: dict[str, str], condition: Any, **args: Any) -> list[str]:
    names = {v: k for k, v in box.items()}
    result = query(client, alice, filter=condition, calculateTotal=True, **args)
    assert result["total"] >= len(result["ids"])
    return [names.get(i, i) for i in result["ids"]]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"text": "pizza"}, ["a"]),
        ({"text": "PIZZA lunch"}, ["a"]),
        ({"subject": "invoice"}, ["g", "b"]),
        ({"body": "invoice"}, ["g"]),
        ({"text": "invoi"}, ["g", "b"]),  # the last word is a prefix
        ({"text": "invoi total"}, []),  # only the last word is
        ({"from": "bob@example"}, ["g"]),
        ({"from": "zed"}, ["c"]),
        ({"to": "dan"}, ["c"]),
        ({"cc": "carol"}, ["b"]),
        ({"bcc": "carol"}, []),
        ({"text": '"due: 99"'}, ["b"]),
        ({"text": '"99 due"'}, []),
        ({"body": "needle"}, ["c"]),  # 54,000 characters into the body
        ({"body": "quarterly resume"}, ["d"]),  # HTML reduced to text, entities decoded, accents folded
        ({"text": "rechnung"}, ["d"]),  # an attachment's file name
        ({"body": "rechnung"}, []),
        ({"text": "cafe creme"}, ["f"]),
        ({"text": "STRASSE angstrom NAIVE"}, ["f"]),
        ({"text": "東京"}, ["e"]),
        ({"text": "会議"}, ["e"]),
        ({"body": "京都"}, ["e"]),
        ({"subject": "会議"}, ["e"]),
        ({"text": "都"}, ["e"]),
        ({"text": "京東"}, []),
        ({"text": "nosuchword"}, []),
    ],
)
def test_each_text_condition(
    client: Any, alice: Any, box: dict[str, str], condition: dict[str, Any], expected: list[str]
) -> None:
    assert found(client, alice, box, condition) == expected
    # The page without a total, and a page of one from a position, agree with the full answer.
    result = query(client, alice, filter=condition)
    assert [k for k, v in box.items() if v in result["ids"]] == sorted(expected)
    if expected:
        assert query(client, alice, filter=condition, position=len(expected) - 1, limit=1)["ids"] == [
            box[expected[-1]]
        ]


def test_trees_with_mailbox_keyword_and_date_conditions(client: Any, alice: Any, box: dict[str, str]) -> None:
    inbox, archive = inbox_id(alice.account_id), archive_id(alice.account_id)
    both = {"operator": "OR", "conditions": [{"subject": "zebra"}, {"subject": "invoice"}]}
    assert found(client, alice, box, both) == ["g", "c", "b"]
    assert found(client, alice, box, {"operator": "AND", "conditions": [both, {"inMailbox": inbox}]}) == [
        "g",
        "b",
    ]
    assert found(client, alice, box, {"operator": "AND", "conditions": [
        both, {"operator": "NOT", "conditions": [{"from": "bob"}]}]}) == ["c", "b"]  # fmt: skip
    assert found(client, alice, box, {"text": "invoice", "hasKeyword": "$flagged"}) == ["b"]
    assert found(client, alice, box, {"text": "invoice", "notKeyword": "$flagged"}) == ["g"]
    assert found(client, alice, box, {"subject": "invoice", "before": "2024-04-01T10:05:00Z"}) == ["b"]
    assert found(client, alice, box, {"text": "zebra", "inMailbox": archive}) == ["c"]
    assert found(client, alice, box, {"text": "zebra", "inMailbox": inbox}) == []


def test_total_collapse_anchor_and_other_sorts(client: Any, alice: Any, box: dict[str, str]) -> None:
    condition = {"text": "invoice"}
    assert query(client, alice, filter=condition, calculateTotal=True)["total"] == 2
    collapsed = query(client, alice, filter=condition, collapseThreads=True, calculateTotal=True)
    assert collapsed["ids"] == [box["g"]] and collapsed["total"] == 1
    anchored = query(client, alice, filter=condition, anchor=box["b"], anchorOffset=-1)
    assert anchored["ids"] == [box["g"], box["b"]] and anchored["position"] == 0
    oldest = query(client, alice, filter=condition, sort=[{"property": "receivedAt", "isAscending": True}])
    assert oldest["ids"] == [box["b"], box["g"]]


@pytest.mark.parametrize(
    "condition",
    [{"text": "invoice", "hasKeyword": "$flagged"}, {"text": '"invoice 42"'}],  # read the Emails to decide
)
def test_a_total_reads_no_email_the_page_read(
    client: Any, alice: Any, box: dict[str, str], condition: dict[str, Any]
) -> None:
    query(client, alice, filter=condition)  # the request's own reads (credentials) are cached after one
    with counting() as page_only:
        paged = query(client, alice, filter=condition)
    with counting() as with_total:
        counted = query(client, alice, filter=condition, calculateTotal=True)
    # Every match fits the page: the total is counted from the Emails the page already read.
    assert counted["ids"] == paged["ids"] and counted["total"] == len(paged["ids"]) >= 1
    assert with_total.dynamodb == page_only.dynamodb


def test_limit_zero_reads_no_email(
    client: Any, alice: Any, box: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    query(client, alice, filter={"text": "invoice"})  # the request's own reads are cached after one
    read: list[list[str]] = []
    real_get_many = emails.get_many

    def get_many(account_id: str, ids: list[str], **kwargs: Any) -> Any:
        read.append(list(ids))
        return real_get_many(account_id, ids, **kwargs)

    monkeypatch.setattr(emails, "get_many", get_many)
    with counting() as calls:
        result = query(client, alice, filter={"text": "invoice", "hasKeyword": "$flagged"}, limit=0)
    assert result["ids"] == [] and result["position"] == 0
    assert read == []  # no Email read
    assert calls.dynamodb["BatchGetItem"] <= 1  # the index's buckets at most: no doc chunk, no Email
    # While a page of one reads the candidates' Emails
    assert query(client, alice, filter={"text": "invoice", "hasKeyword": "$flagged"}, limit=1)["ids"] == [
        box["b"]
    ]
    assert read != []


def test_moves_and_destroys_are_followed(client: Any, alice: Any, box: dict[str, str]) -> None:
    archive = archive_id(alice.account_id)
    update = {box["b"]: {"mailboxIds": {archive: True}}}
    [[_, moved, _]] = jmap(client, ["Email/set", {"accountId": alice.account_id, "update": update}, "m"])
    assert moved["updated"] is not None
    assert found(client, alice, box, {"text": "invoice", "inMailbox": archive}) == ["b"]
    [[_, gone, _]] = jmap(
        client, ["Email/set", {"accountId": alice.account_id, "destroy": [box["g"], box["c"]]}, "d"]
    )
    assert sorted(gone["destroyed"]) == sorted([box["g"], box["c"]])
    assert found(client, alice, box, {"text": "invoice"}) == ["b"]
    assert found(client, alice, box, {"body": "needle"}) == []
    # More mail (and, with tiny_index, compactions that fold the tombstones in) changes nothing.
    for n in range(6):
        put(alice, mail(f"more{n}@x", f"More {n}", body="invoice reminder"), 20 + n)
    fulltext.compact(alice.account_id, at_least=1)
    assert found(client, alice, box, {"text": "invoice", "inMailbox": archive}) == ["b"]
    assert query(client, alice, filter={"text": "invoice"}, calculateTotal=True)["total"] == 7
    assert box["g"] not in query(client, alice, filter={"text": "invoice"})["ids"]


def _linking(msgid: str, subject: str, refs: list[str]) -> bytes:
    lines = [f"Message-ID: <{msgid}>", "From: Ann <ann@example.net>", "To: alice@example.com",
             f"Subject: {subject}", "Date: Mon, 01 Apr 2024 10:00:00 +0000",
             "References: " + " ".join(f"<{r}>" for r in refs), "", "linking body", ""]  # fmt: skip
    return "\r\n".join(lines).encode()


def test_a_thread_merge_re_ids_emails_and_the_index_follows(client: Any, alice: Any, mode: str) -> None:
    # Given two threads about the same subject
    first = put(alice, mail("p1@x", "Plan", body="alpha plan"), 1)
    second = put(alice, mail("p2@x", "Plan", body="bravo plan"), 2)
    # When a message references both, and the smaller thread moves into the larger with a new id
    put(alice, _linking("p3@x", "Re: Plan", ["p1@x", "p2@x"]), 3)
    ids = query(client, alice, filter={"text": "plan"}, calculateTotal=True)
    [[_, got, _]] = jmap(client, ["Email/get", {"accountId": alice.account_id, "ids": ids["ids"],
                                                "properties": ["threadId"]}, "g"])  # fmt: skip
    # Then every message is found once, under its current id, all in one thread
    assert ids["total"] == 3 and len(set(ids["ids"])) == 3
    assert len({e["threadId"] for e in got["list"]}) == 1 and got["notFound"] == []
    assert {first, second} - set(ids["ids"])  # one of them was re-id'd
    bodies = [query(client, alice, filter={"body": word})["ids"] for word in ("alpha", "bravo")]
    assert all(len(b) == 1 and b[0] in ids["ids"] for b in bodies)


def test_concurrent_writers_lose_nothing(client: Any, alice: Any, mode: str) -> None:
    inbox = inbox_id(alice.account_id)

    def deliver(n: int) -> str:
        raw = mail(f"c{n}@x", f"Concurrent {n}", body=f"shared word and unique{n}")
        return ingest(alice.account_id, raw, mailbox_ids=[inbox]).email_id

    with ThreadPoolExecutor(max_workers=4) as pool:
        made = list(pool.map(deliver, range(24)))
    result = query(client, alice, filter={"body": "shared"}, calculateTotal=True, limit=100)
    assert result["total"] == 24 and sorted(result["ids"]) == sorted(made)
    for n in (0, 13, 23):
        assert query(client, alice, filter={"body": f"unique{n}"})["ids"] == [made[n]]


def test_one_accounts_terms_never_match_anothers_mail(client: Any, alice: Any, bob: Any, mode: str) -> None:
    put(bob, mail("s@x", "Secret", body="bobsecret mango"), 1)
    put(alice, mail("t@x", "Hello", body="mango"), 1)
    assert query(client, alice, filter={"text": "bobsecret"}, calculateTotal=True)["total"] == 0
    assert len(query(client, alice, filter={"text": "mango"})["ids"]) == 1


def test_query_changes_with_a_text_filter(client: Any, alice: Any, box: dict[str, str]) -> None:
    before = query(client, alice, filter={"text": "invoice"})
    added = put(alice, mail("n@x", "New invoice", body="payable"), 30)
    [[name, changes, _]] = jmap(client, ["Email/queryChanges", {
        "accountId": alice.account_id, "filter": {"text": "invoice"}, "sinceQueryState": before["queryState"],
        "calculateTotal": True}, "c"])  # fmt: skip
    assert name == "Email/queryChanges", changes
    assert changes["added"] == [{"id": added, "index": 0}] and changes["total"] == 3


def test_imported_and_created_mail_is_searchable_at_once(client: Any, alice: Any, mode: str) -> None:
    inbox = inbox_id(alice.account_id)
    blob_id = upload(client, alice.account_id, mail("i@x", "Imported tidings", body="marmalade recipe"))
    draft = {"mailboxIds": {inbox: True}, "subject": "Drafted tidings", "keywords": {"$draft": True},
             "bodyValues": {"b": {"value": "gooseberry jam"}},
             "textBody": [{"partId": "b", "type": "text/plain"}]}  # fmt: skip
    [[iname, imported, _], [sname, created, _]] = jmap(
        client,
        [
            "Email/import",
            {
                "accountId": alice.account_id,
                "emails": {"k": {"blobId": blob_id, "mailboxIds": {inbox: True}}},
            },
            "i",
        ],
        ["Email/set", {"accountId": alice.account_id, "create": {"d": draft}}, "s"],
    )
    assert (iname, sname) == ("Email/import", "Email/set"), (imported, created)
    assert query(client, alice, filter={"body": "marmalade"})["ids"] == [imported["created"]["k"]["id"]]
    assert query(client, alice, filter={"body": "gooseberry"})["ids"] == [created["created"]["d"]["id"]]
    assert len(query(client, alice, filter={"subject": "tidings"})["ids"]) == 2


def test_a_search_text_too_large_for_its_item_lives_in_s3_until_destroy(
    client: Any, alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(email_index, "INLINE_TEXT_LIMIT", 64)  # any real body spills
    made = put(alice, mail("big@x", "Spilled", body="the early bird " * 50 + "catches the worm"), 1)
    key = blobs.search_text_key(alice.account_id, made)
    assert blobs.get(key) is not None
    # The phrase check and the snippet read the search text back from S3
    assert query(client, alice, filter={"body": '"catches the worm"'})["ids"] == [made]
    asked = {"accountId": alice.account_id, "filter": {"body": "worm"}, "emailIds": [made]}
    [[_, snippets, _]] = jmap(client, ["SearchSnippet/get", asked, "s"])
    assert snippets["list"][0]["preview"].endswith("catches the <mark>worm</mark>")
    # And a destroy removes it with the message (and any spilled summary) in one S3 request
    with counting() as calls:
        [[_, result, _]] = jmap(
            client, ["Email/set", {"accountId": alice.account_id, "destroy": [made]}, "d"]
        )
    assert result["destroyed"] == [made] and blobs.get(key) is None
    assert blobs.get(blobs.email_key(alice.account_id, made)) is None
    assert dict(calls.s3) == {"DeleteObjects": 1}
