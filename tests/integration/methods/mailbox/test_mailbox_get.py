"""Mailbox/get over HTTP (RFC 8621 §2.1, RFC 8620 §5.1): all, by ids, properties, notFound."""

from __future__ import annotations

from typing import Any

from tests.helpers.auth import basic
from tests.helpers.jmap_calls import jmap
from tests.helpers.mailbox_calls import RIGHTS

ALL_RIGHTS = RIGHTS


def by_role(client: Any, account_id: str) -> dict[str | None, dict[str, Any]]:
    [[_, result, _]] = jmap(client, ["Mailbox/get", {"accountId": account_id, "ids": None}, "0"])
    return {mailbox["role"]: mailbox for mailbox in result["list"]}


def test_fresh_account_has_default_roles_and_zero_counters(client: Any, alice: Any) -> None:
    # Given a freshly created account
    # When the client fetches all mailboxes
    request = ["Mailbox/get", {"accountId": alice.account_id, "ids": None}, "0"]
    [[name, result, call_id]] = jmap(client, request)
    # Then it gets the six default roles and Templates, empty, subscribed, at the top level
    assert (name, call_id) == ("Mailbox/get", "0")
    assert result["accountId"] == alice.account_id
    assert result["state"] == "0"
    assert result["notFound"] == []
    boxes = {mailbox["role"]: mailbox for mailbox in result["list"] if mailbox["role"]}
    assert set(boxes) == {"inbox", "drafts", "sent", "archive", "junk", "trash"}
    assert [m["name"] for m in result["list"] if m["role"] is None] == ["Templates"]
    inbox = boxes["inbox"]
    assert inbox == {
        "id": inbox["id"],
        "name": "Inbox",
        "parentId": None,
        "role": "inbox",
        "sortOrder": 1,
        "totalEmails": 0,
        "unreadEmails": 0,
        "totalThreads": 0,
        "unreadThreads": 0,
        "myRights": {**ALL_RIGHTS, "mayRename": False, "mayDelete": False},
        "isSubscribed": True,
    }
    assert boxes["trash"]["myRights"] == {**ALL_RIGHTS, "mayDelete": False}
    for mailbox in boxes.values():
        counts = [mailbox[k] for k in ("totalEmails", "unreadEmails", "totalThreads", "unreadThreads")]
        assert counts == [0, 0, 0, 0]


def test_get_by_ids_with_properties_and_not_found(client: Any, alice: Any) -> None:
    # Given the ids of the inbox and the trash
    boxes = by_role(client, alice.account_id)
    inbox, trash = boxes["inbox"]["id"], boxes["trash"]["id"]
    # When the client asks for them (one twice) and an unknown id, with only some properties
    [[_, result, _]] = jmap(
        client,
        [
            "Mailbox/get",
            {"accountId": alice.account_id, "ids": [inbox, "Mnope", trash, inbox], "properties": ["name"]},
            "g",
        ],
    )
    # Then each id appears once, with id and name only, and the unknown id is notFound
    assert sorted(result["list"], key=lambda m: m["name"]) == [
        {"id": inbox, "name": "Inbox"},
        {"id": trash, "name": "Trash"},
    ]
    assert result["notFound"] == ["Mnope"]


def test_unknown_property_is_invalid_arguments(client: Any, alice: Any) -> None:
    # When the client asks for a property Mailbox does not have
    [[name, result, _]] = jmap(
        client, ["Mailbox/get", {"accountId": alice.account_id, "properties": ["name", "colour"]}, "0"]
    )
    # Then the whole call fails with invalidArguments
    assert name == "error"
    assert result["type"] == "invalidArguments"


def test_empty_ids_gives_empty_list(client: Any, alice: Any) -> None:
    [[_, result, _]] = jmap(client, ["Mailbox/get", {"accountId": alice.account_id, "ids": []}, "0"])
    assert result["list"] == []
    assert result["notFound"] == []


def test_other_account_is_account_not_found(client: Any, alice: Any, bob: Any) -> None:
    # Given bob's account id, when alice asks for bob's mailboxes
    [[name, result, _]] = jmap(client, ["Mailbox/get", {"accountId": bob.account_id, "ids": None}, "0"])
    # Then the server answers accountNotFound and reveals nothing
    assert (name, result["type"]) == ("error", "accountNotFound")


def test_mail_capability_is_required(client: Any, alice: Any) -> None:
    # When the client leaves the mail capability out of `using`
    response = client.post(
        "/jmap/api",
        json={
            "using": ["urn:ietf:params:jmap:core"],
            "methodCalls": [["Mailbox/get", {"accountId": alice.account_id}, "0"]],
        },
        headers=basic("alice", "correct horse battery"),
    )
    # Then Mailbox/get is an unknown method for that request
    [[name, result, _]] = response.json()["methodResponses"]
    assert (name, result["type"]) == ("error", "unknownMethod")
