"""Threads (RFC 8621 §3): grouping independent of arrival order, merges, Thread/get and Thread/changes."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from mailx.admin.accounts import create_account
from mailx.mail.ingest import ingest
from mailx.store import emails, threads, transactions
from tests.helpers.jmap_calls import jmap
from tests.helpers.mailboxes import counters, inbox_id
from tests.helpers.messages import message

T0 = datetime(2024, 4, 1, 9, 0, tzinfo=UTC)
# A starts a thread; B replies to A; D starts its own thread with the same subject; L replies to B and D,
# linking the two. E shares A's message id in References but changes the subject: a new conversation.
MESSAGES = {
    "A": message("a@x", "Plan"),
    "B": message("b@x", "Re: Plan", irt="a@x", refs="a@x"),
    "D": message("d@x", "Plan"),
    "L": message("l@x", "Re: [team] Plan", refs="b@x d@x"),
}
RECEIVED = {
    "A": T0,
    "B": T0 + timedelta(minutes=1),
    "D": T0 + timedelta(minutes=2),
    "L": T0 + timedelta(minutes=3),
}


def _grouping(account_id: str) -> set[frozenset[str]]:
    """The threads as sets of Message-IDs, from what is stored."""
    records = emails.get_many(account_id, emails.list_ids(account_id, 100))
    by_thread: dict[str, set[str]] = {}
    for record in records.values():
        by_thread.setdefault(record.thread_id, set()).update(record.summary["messageId"])
    return {frozenset(ids) for ids in by_thread.values()}


def _deliver(account_id: str, names: str) -> None:
    inbox = inbox_id(account_id)
    for name in names:
        ingest(account_id, MESSAGES[name], mailbox_ids=[inbox], received_at=RECEIVED[name])


def test_grouping_is_the_same_in_every_arrival_order(aws: None) -> None:
    for number, order in enumerate(itertools.permutations("ABDL")):
        # Given a fresh account, when the four messages arrive in this order
        account = create_account(f"perm{number}", "correct horse battery", addresses=[])
        _deliver(account.account_id, "".join(order))
        # Then they always form one thread, ordered by receivedAt, counted once
        assert _grouping(account.account_id) == {frozenset({"a@x", "b@x", "d@x", "l@x"})}, order
        ids = emails.list_ids(account.account_id, 100)
        [thread_id] = {r.thread_id for r in emails.get_many(account.account_id, ids).values()}
        thread = threads.get_many(account.account_id, [thread_id])[thread_id]
        received = [emails.get_many(account.account_id, [e])[e].received_at for e in thread.email_ids]
        assert received == sorted(received) and len(received) == 4, order
        assert counters(account.account_id, inbox_id(account.account_id)) == {
            "totalEmails": 4, "unreadEmails": 4, "totalThreads": 1, "unreadThreads": 1,
        }, order  # fmt: skip


def test_without_the_linking_message_two_threads_remain_in_any_order(aws: None) -> None:
    for number, order in enumerate(itertools.permutations("ABD")):
        account = create_account(f"two{number}", "correct horse battery", addresses=[])
        _deliver(account.account_id, "".join(order))
        assert _grouping(account.account_id) == {frozenset({"a@x", "b@x"}), frozenset({"d@x"})}, order


def test_a_changed_subject_starts_a_new_thread(alice: Any) -> None:
    inbox = inbox_id(alice.account_id)
    ingest(alice.account_id, MESSAGES["A"], mailbox_ids=[inbox])
    ingest(
        alice.account_id, message("e@x", "Re: Dinner instead?", irt="a@x", refs="a@x"), mailbox_ids=[inbox]
    )
    assert _grouping(alice.account_id) == {frozenset({"a@x"}), frozenset({"e@x"})}


def test_parent_arriving_after_its_child_joins_it(alice: Any) -> None:
    inbox = inbox_id(alice.account_id)
    child = ingest(alice.account_id, MESSAGES["B"], mailbox_ids=[inbox])
    parent = ingest(alice.account_id, MESSAGES["A"], mailbox_ids=[inbox])
    assert parent.thread_id == child.thread_id


def test_linking_message_merges_threads_with_new_ids_and_exact_changes(client: Any, alice: Any) -> None:
    # Given two threads: {A, B} and {D}, with D read
    inbox = inbox_id(alice.account_id)
    a = ingest(alice.account_id, MESSAGES["A"], mailbox_ids=[inbox], received_at=RECEIVED["A"])
    ingest(alice.account_id, MESSAGES["B"], mailbox_ids=[inbox], received_at=RECEIVED["B"])
    d = ingest(
        alice.account_id, MESSAGES["D"], mailbox_ids=[inbox], received_at=RECEIVED["D"], keywords=["$seen"]
    )
    assert counters(alice.account_id, inbox)["totalThreads"] == 2
    before = transactions.get_states(alice.account_id)
    # When L arrives, referencing B and D
    link = ingest(alice.account_id, MESSAGES["L"], mailbox_ids=[inbox], received_at=RECEIVED["L"])
    # Then the smaller thread moved: D is destroyed and re-created with a new id in A's thread (§3)
    assert link.thread_id == a.thread_id
    [[_, email_changes, _]] = jmap(
        client, ["Email/changes", {"accountId": alice.account_id, "sinceState": str(before["Email"])}, "0"]
    )
    assert email_changes["destroyed"] == [d.email_id]
    assert len(email_changes["created"]) == 2 and link.email_id in email_changes["created"]
    [new_d] = [e for e in email_changes["created"] if e != link.email_id]
    [[_, thread_changes, _]] = jmap(
        client, ["Thread/changes", {"accountId": alice.account_id, "sinceState": str(before["Thread"])}, "0"]
    )
    assert (thread_changes["updated"], thread_changes["destroyed"]) == ([a.thread_id], [d.thread_id])
    # And Thread/get lists the four Emails by receivedAt; the old thread is gone
    [[_, got, _]] = jmap(
        client, ["Thread/get", {"accountId": alice.account_id, "ids": [a.thread_id, d.thread_id]}, "0"]
    )
    [[_, moved, _]] = jmap(
        client, ["Email/get", {"accountId": alice.account_id, "ids": [d.email_id, new_d],
                               "properties": ["threadId", "keywords", "blobId"]}, "0"]
    )  # fmt: skip
    assert got["list"][0]["emailIds"][2:] == [new_d, link.email_id]
    assert got["notFound"] == [d.thread_id]
    assert moved["notFound"] == [d.email_id]
    assert moved["list"] == [
        {"id": new_d, "threadId": a.thread_id, "keywords": {"$seen": True}, "blobId": d.blob_id}
    ]
    # And the counters are exact: one thread, one unread email less than total
    assert counters(alice.account_id, inbox) == {
        "totalEmails": 4, "unreadEmails": 3, "totalThreads": 1, "unreadThreads": 1,
    }  # fmt: skip


def test_thread_get_wire_shape(client: Any, alice: Any) -> None:
    inbox = inbox_id(alice.account_id)
    first = ingest(alice.account_id, MESSAGES["A"], mailbox_ids=[inbox], received_at=RECEIVED["B"])
    second = ingest(alice.account_id, MESSAGES["B"], mailbox_ids=[inbox], received_at=RECEIVED["A"])
    [[name, result, _]] = jmap(
        client, ["Thread/get", {"accountId": alice.account_id, "ids": [first.thread_id, "Tnope"]}, "t"]
    )
    assert (name, result) == (
        "Thread/get",
        {
            "accountId": alice.account_id,
            "state": str(transactions.get_states(alice.account_id)["Thread"]),
            "list": [{"id": first.thread_id, "emailIds": [second.email_id, first.email_id]}],
            "notFound": ["Tnope"],
        },
    )
