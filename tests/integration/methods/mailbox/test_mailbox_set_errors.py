"""Mailbox/set over HTTP (RFC 8620 §5.3): notFound, invalidPatch, willDestroy, requestTooLarge, big sets."""

from __future__ import annotations

from typing import Any

from tests.helpers.jmap_calls import jmap
from tests.helpers.mailbox_calls import RIGHTS, all_boxes, mailbox_set, role_id


def test_unknown_ids_are_not_found_and_bad_patches_invalid(client: Any, alice: Any) -> None:
    inbox = role_id(client, alice.account_id, "inbox")
    # When the client patches and destroys ids that do not exist, and sends malformed patches
    made = mailbox_set(client, alice.account_id, create={"a": {"name": "A"}, "b": {"name": "B"}})["created"]
    a, b = made["a"]["id"], made["b"]["id"]
    result = mailbox_set(
        client,
        alice.account_id,
        update={
            "Mmissing": {"name": "X"},
            a: {"name/first": "X"},
            b: {"myRights": RIGHTS, "myRights/mayDelete": True},
            inbox: {"sortOrder": 1},
        },
        destroy=["Mgone", "#nope"],
    )
    # Then missing ids are notFound, the bad patches invalidPatch, and the good one succeeds
    assert result["notUpdated"]["Mmissing"]["type"] == "notFound"
    assert result["notUpdated"][a]["type"] == "invalidPatch"
    assert result["notUpdated"][b]["type"] == "invalidPatch"
    assert result["updated"] == {inbox: None}
    assert {k: v["type"] for k, v in result["notDestroyed"].items()} == {
        "Mgone": "notFound",
        "#nope": "notFound",
    }


def test_update_of_a_mailbox_destroyed_in_the_same_call_is_will_destroy(client: Any, alice: Any) -> None:
    made = mailbox_set(client, alice.account_id, create={"a": {"name": "Doomed"}})["created"]["a"]["id"]
    result = mailbox_set(client, alice.account_id, update={made: {"name": "Saved?"}}, destroy=[made])
    assert result["notUpdated"][made]["type"] == "willDestroy"
    assert result["destroyed"] == [made]


def test_too_many_operations_is_request_too_large(client: Any, alice: Any) -> None:
    create = {f"c{n}": {"name": f"Box {n}"} for n in range(501)}
    [[name, result, _]] = jmap(
        client, ["Mailbox/set", {"accountId": alice.account_id, "create": create}, "0"]
    )
    assert (name, result["type"]) == ("error", "requestTooLarge")


def test_more_creates_than_one_transaction_holds_commit_in_steps(client: Any, alice: Any) -> None:
    # Given 150 creates: a parent and 149 children naming it by "#p" (more than 100 items)
    create: dict[str, Any] = {"p": {"name": "Bulk"}}
    create.update({f"c{n}": {"name": f"Box {n:03}", "parentId": "#p"} for n in range(149)})
    # When they are sent in one Mailbox/set
    result = mailbox_set(client, alice.account_id, create=create)
    # Then all are created, in two state steps (one per DynamoDB transaction)
    assert (len(result["created"]), result["notCreated"]) == (150, None)
    assert (result["oldState"], result["newState"]) == ("0", "2")
    boxes = all_boxes(client, alice.account_id)
    parent = result["created"]["p"]["id"]
    assert sum(1 for m in boxes.values() if m["parentId"] == parent) == 149
