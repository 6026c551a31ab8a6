"""Mailbox/set destroy over HTTP (RFC 8621 §2.5): mailboxHasChild, mailboxHasEmail, creation-id keys."""

from __future__ import annotations

from typing import Any

from tests.helpers.jmap_calls import jmap
from tests.helpers.mailbox_calls import mailbox_set


def ids(client: Any, account_id: str) -> set[str]:
    [[_, result, _]] = jmap(client, ["Mailbox/get", {"accountId": account_id, "properties": ["id"]}, "g"])
    return {mailbox["id"] for mailbox in result["list"]}


def simulate_mail(account_id: str, mailbox_id: str, emails: int) -> None:
    """Deliver mail the only way there is yet: the counter deltas an Email write will stage."""
    from mailx.store import mailboxes, transactions

    txn = transactions.Txn(account_id)
    mailboxes.stage_counts(txn, mailbox_id, total_emails=emails, unread_emails=emails, total_threads=emails)
    transactions.commit(txn)


def test_parent_with_child_is_mailbox_has_child(client: Any, alice: Any) -> None:
    # Given a parent with one child
    made = mailbox_set(
        client, alice.account_id, create={"p": {"name": "Parent"}, "c": {"name": "Child", "parentId": "#p"}}
    )["created"]
    parent, child = made["p"]["id"], made["c"]["id"]
    # When the client destroys only the parent
    result = mailbox_set(client, alice.account_id, destroy=[parent])
    # Then it is refused with mailboxHasChild and both still exist
    assert result["notDestroyed"] == {
        parent: {"type": "mailboxHasChild", "description": "the mailbox has a child"}
    }
    assert result["destroyed"] is None
    assert {parent, child} <= ids(client, alice.account_id)
    # But destroying parent and child in one call is fine (the final state is valid)
    both = mailbox_set(client, alice.account_id, destroy=[parent, child])
    assert sorted(both["destroyed"]) == sorted([parent, child])
    assert not {parent, child} & ids(client, alice.account_id)


def test_moving_a_child_into_a_destroyed_parent_blames_the_destroy(client: Any, alice: Any) -> None:
    made = mailbox_set(client, alice.account_id, create={"a": {"name": "A"}, "b": {"name": "B"}})["created"]
    a, b = made["a"]["id"], made["b"]["id"]
    # When one call moves B under A and destroys A
    result = mailbox_set(client, alice.account_id, update={b: {"parentId": a}}, destroy=[a])
    # Then, as updates come before destroys, the move stands and A has a child
    assert result["updated"] == {b: None}
    assert result["notDestroyed"][a]["type"] == "mailboxHasChild"


def test_mailbox_with_mail_is_mailbox_has_email(client: Any, alice: Any) -> None:
    # Given a mailbox holding two emails
    box = mailbox_set(client, alice.account_id, create={"m": {"name": "Full"}})["created"]["m"]["id"]
    simulate_mail(alice.account_id, box, 2)
    [[_, got, _]] = jmap(client, ["Mailbox/get", {"accountId": alice.account_id, "ids": [box]}, "g"])
    assert [got["list"][0][k] for k in ("totalEmails", "unreadEmails", "totalThreads")] == [2, 2, 2]
    # When the client destroys it without onDestroyRemoveEmails
    result = mailbox_set(client, alice.account_id, destroy=[box])
    # Then it is refused with mailboxHasEmail
    assert result["notDestroyed"][box]["type"] == "mailboxHasEmail"
    assert box in ids(client, alice.account_id)


def test_on_destroy_remove_emails_destroys_or_moves_its_mail(client: Any, alice: Any) -> None:
    from mailx.mail.ingest import ingest
    from tests.helpers.mailboxes import inbox_id
    from tests.helpers.messages import message

    account = alice.account_id
    inbox = inbox_id(account)
    box = mailbox_set(client, account, create={"m": {"name": "Projects"}})["created"]["m"]["id"]
    # Given one email only in Projects and one in both Projects and the Inbox
    only = ingest(account, message("only@x", "Only here"), mailbox_ids=[box]).email_id
    both = ingest(account, message("both@x", "In two places"), mailbox_ids=[box, inbox]).email_id
    [[_, before, _]] = jmap(
        client, ["Email/get", {"accountId": account, "ids": [], "properties": ["id"]}, "s"]
    )
    # When the client destroys Projects with onDestroyRemoveEmails
    result = mailbox_set(client, account, destroy=[box], onDestroyRemoveEmails=True)
    # Then the mailbox is gone, the first email destroyed, the second left only in the Inbox
    assert result["destroyed"] == [box]
    [[_, got, _], [_, inbox_now, _], [_, changes, _]] = jmap(
        client,
        ["Email/get", {"accountId": account, "ids": [only, both], "properties": ["mailboxIds"]}, "g"],
        ["Mailbox/get", {"accountId": account, "ids": [inbox], "properties": ["totalEmails"]}, "b"],
        ["Email/changes", {"accountId": account, "sinceState": before["state"]}, "c"],
    )
    assert got["notFound"] == [only]
    assert got["list"] == [{"id": both, "mailboxIds": {inbox: True}}]
    assert inbox_now["list"][0]["totalEmails"] == 1
    assert (changes["destroyed"], changes["updated"]) == ([only], [both])


def test_empty_mailbox_destroyed_with_on_destroy_remove_emails(client: Any, alice: Any) -> None:
    box = mailbox_set(client, alice.account_id, create={"m": {"name": "Empty"}})["created"]["m"]["id"]
    result = mailbox_set(client, alice.account_id, destroy=[box], onDestroyRemoveEmails=True)
    assert result["destroyed"] == [box]
    assert (result["oldState"], result["newState"]) == ("1", "2")


def test_create_update_and_destroy_by_creation_id_in_one_request(client: Any, alice: Any) -> None:
    # Given a request that creates mailboxes, then patches and destroys them by "#creationId"
    responses = jmap(
        client,
        [
            "Mailbox/set",
            {
                "accountId": alice.account_id,
                "create": {"keep": {"name": "Keep"}, "tmp": {"name": "Temporary"}},
                "update": {"#keep": {"name": "Kept"}},
                "destroy": ["#tmp"],
            },
            "0",
        ],
        ["Mailbox/set", {"accountId": alice.account_id, "update": {"#keep": {"sortOrder": 4}}}, "1"],
        ["Mailbox/get", {"accountId": alice.account_id, "ids": ["#keep", "#tmp"]}, "2"],
    )
    first, second, got = (r[1] for r in responses)
    keep, tmp = first["created"]["keep"]["id"], first["created"]["tmp"]["id"]
    # Then the creates, the patch and the destroy all succeed, keyed by the real ids
    assert first["updated"] == {keep: None}
    assert first["destroyed"] == [tmp]
    assert second["updated"] == {keep: None}
    assert [(m["name"], m["sortOrder"]) for m in got["list"]] == [("Kept", 4)]
    assert got["notFound"] == [tmp]


def test_failed_call_keeps_no_creation_ids(client: Any, alice: Any) -> None:
    # Given a create that fails, later calls cannot refer to its creation id
    responses = jmap(
        client,
        ["Mailbox/set", {"accountId": alice.account_id, "create": {"bad": {"name": ""}}}, "0"],
        [
            "Mailbox/set",
            {"accountId": alice.account_id, "create": {"c": {"name": "C", "parentId": "#bad"}}},
            "1",
        ],
    )
    assert responses[0][1]["notCreated"]["bad"]["type"] == "invalidProperties"
    assert responses[1][1]["notCreated"]["c"]["properties"] == ["parentId"]
