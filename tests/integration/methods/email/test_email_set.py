"""Email/set update and destroy (RFC 8621 §4.6), Email/queryChanges (§4.5), SearchSnippet/get (§5)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from mailx.store import blobs
from tests.helpers.jmap_calls import jmap
from tests.helpers.mailboxes import archive_id, counters, inbox_id
from tests.helpers.messages import mail, put


def email_set(client: Any, alice: Any, **args: Any) -> dict[str, Any]:
    [[name, result, _]] = jmap(client, ["Email/set", {"accountId": alice.account_id, **args}, "s"])
    assert name == "Email/set", result
    answer: dict[str, Any] = result
    return answer


def test_patch_and_whole_updates_keep_counters_exact(client: Any, alice: Any) -> None:
    # Given a thread of two unread messages in the inbox
    inbox, archive = inbox_id(alice.account_id), archive_id(alice.account_id)
    first = put(alice, mail("t1@x", "Trip"), 1)
    second = put(alice, mail("t2@x", "Re: Trip", irt="t1@x"), 2)
    assert counters(alice.account_id, inbox) == {"totalEmails": 2, "unreadEmails": 2, "totalThreads": 1,
                                                 "unreadThreads": 1}  # fmt: skip
    # When one is marked seen by patch and the other moved to the archive by a whole mailboxIds
    moved = {"mailboxIds": {archive: True}, "keywords": {"$flagged": True}}
    result = email_set(client, alice, update={first: {"keywords/$SEEN": True}, second: moved})
    # Then both succeed and every counter follows, thread counts included
    assert result["updated"] == {first: None, second: None} and result["notUpdated"] is None
    assert counters(alice.account_id, inbox) == {"totalEmails": 1, "unreadEmails": 0, "totalThreads": 1,
                                                 "unreadThreads": 0}  # fmt: skip
    assert counters(alice.account_id, archive) == {"totalEmails": 1, "unreadEmails": 1, "totalThreads": 1,
                                                   "unreadThreads": 1}  # fmt: skip
    [[_, got, _]] = jmap(client, ["Email/get", {"accountId": alice.account_id, "ids": [first, second],
                                                "properties": ["keywords", "mailboxIds"]}, "g"])  # fmt: skip
    assert got["list"][0]["keywords"] == {"$seen": True}
    assert got["list"][1] == {"id": second, "keywords": {"$flagged": True}, "mailboxIds": {archive: True}}
    # And the indexed views moved too
    flagged_query = {"accountId": alice.account_id, "filter": {"hasKeyword": "$flagged"}}
    [[_, flagged, _]] = jmap(client, ["Email/query", flagged_query, "q"])
    assert flagged["ids"] == [second]


def test_set_errors(client: Any, alice: Any) -> None:
    email = put(alice, mail("e@x", "Errors"), 1)
    result = email_set(client, alice, update={
        email: {"subject": "new", "keywords/$seen": True},
        "Mnope": {"keywords": {}},
    }, destroy=["Mnope"])  # fmt: skip
    assert result["notUpdated"][email]["type"] == "invalidProperties"
    assert result["notUpdated"][email]["properties"] == ["subject"]
    assert result["notUpdated"]["Mnope"]["type"] == "notFound"
    assert result["notDestroyed"]["Mnope"]["type"] == "notFound"
    cases = {
        "a": {"mailboxIds": {}},
        "b": {"mailboxIds": {"Mnope": True}},
        "c": {"keywords/a(b": True},
        "d": {"keywords": {f"k{n}": True for n in range(101)}},
        "e": {"keywords/$seen/x": True},
        "f": {"keywords": {"$seen": True}, "keywords/$flagged": True},
    }
    expected = {"a": "invalidProperties", "b": "invalidProperties", "c": "invalidProperties",
                "d": "tooManyKeywords", "e": "invalidPatch", "f": "invalidPatch"}  # fmt: skip
    for key, patch in cases.items():
        outcome = email_set(client, alice, update={email: patch})
        assert outcome["notUpdated"][email]["type"] == expected[key], (key, outcome)
    [[name, error, _]] = jmap(client, ["Email/set", {"accountId": alice.account_id, "ifInState": "0",
                                                     "update": {email: {"keywords": {}}}}, "x"])  # fmt: skip
    assert (name, error["type"]) == ("error", "stateMismatch")


def test_concurrent_keyword_patches_lose_nothing(client: Any, alice: Any) -> None:
    inbox = inbox_id(alice.account_id)
    ids = [put(alice, mail(f"c{n}@x", f"Concurrent {n}"), n) for n in range(3)]
    words = ["$seen", "$flagged", "$answered", "work", "home"]

    def patch(word: str) -> None:
        email_set(client, alice, update={i: {f"keywords/{word}": True} for i in ids})

    with ThreadPoolExecutor(len(words)) as pool:
        list(pool.map(patch, words))
    [[_, got, _]] = jmap(client, ["Email/get", {"accountId": alice.account_id, "ids": ids,
                                                "properties": ["keywords"]}, "g"])  # fmt: skip
    assert all(e["keywords"] == dict.fromkeys(words, True) for e in got["list"]), got
    assert counters(alice.account_id, inbox) == {"totalEmails": 3, "unreadEmails": 0, "totalThreads": 3,
                                                 "unreadThreads": 0}  # fmt: skip


def test_destroy_removes_everything_and_query_changes_follow(client: Any, alice: Any) -> None:
    inbox, archive = inbox_id(alice.account_id), archive_id(alice.account_id)
    a, b, c = (put(alice, mail(f"{n}@x", f"Item {n}"), i) for i, n in enumerate("abc"))
    [[_, before, _]] = jmap(client, ["Email/query", {"accountId": alice.account_id,
                                                     "filter": {"inMailbox": inbox}}, "q"])  # fmt: skip
    assert before["ids"] == [c, b, a]
    # When b is flagged, c moves out, a is destroyed and new mail arrives
    email_set(client, alice, update={b: {"keywords/$flagged": True}, c: {"mailboxIds": {archive: True}}},
              destroy=[a])  # fmt: skip
    d = put(alice, mail("d@x", "Item d"), 9)
    assert blobs.get(blobs.email_key(alice.account_id, a)) is None
    assert counters(alice.account_id, inbox) == {"totalEmails": 2, "unreadEmails": 2, "totalThreads": 2,
                                                 "unreadThreads": 2}  # fmt: skip
    args = {
        "accountId": alice.account_id,
        "filter": {"inMailbox": inbox},
        "sinceQueryState": before["queryState"],
    }
    [[_, changes, _]] = jmap(client, ["Email/queryChanges", {**args, "calculateTotal": True}, "c"])
    assert set(changes["removed"]) == {a, b, c, d}
    assert changes["added"] == [{"id": d, "index": 0}, {"id": b, "index": 1}] and changes["total"] == 2
    [[_, upto, _]] = jmap(client, ["Email/queryChanges", {**args, "upToId": d}, "u"])
    assert upto["added"] == changes["added"]  # upToId changed itself, so it cannot trim (errata)
    [[name, error, _]] = jmap(client, ["Email/queryChanges", {**args, "maxChanges": 2}, "m"])
    assert (name, error["type"]) == ("error", "tooManyChanges")
    [[name, error, _]] = jmap(client, ["Email/queryChanges", {**args, "collapseThreads": True}, "t"])
    assert (name, error["type"]) == ("error", "cannotCalculateChanges")


def test_search_snippets_mark_matches(client: Any, alice: Any) -> None:
    email = put(alice, mail("s@x", "Budget <draft> review", body="Please review the budget by Friday."), 1)
    [[_, result, _]] = jmap(client, ["SearchSnippet/get", {"accountId": alice.account_id,
                                                           "filter": {"text": "budget"},
                                                           "emailIds": [email, "Mnope"]}, "s"])  # fmt: skip
    assert result["notFound"] == ["Mnope"]
    [snippet] = result["list"]
    assert snippet["subject"] == "<mark>Budget</mark> &lt;draft&gt; review"
    assert snippet["preview"] == "Please review the <mark>budget</mark> by Friday."
