"""Mailbox/set over HTTP (RFC 8621 §2.5, RFC 8620 §5.3): creates, patches, destroys, creation ids."""

from __future__ import annotations

from typing import Any

from tests.helpers.jmap_calls import jmap
from tests.helpers.mailbox_calls import RIGHTS, all_boxes, mailbox_set, role_id


def test_create_returns_id_and_defaults(client: Any, alice: Any) -> None:
    # Given an account in state 0
    # When the client creates a mailbox giving only its name
    result = mailbox_set(client, alice.account_id, create={"a": {"name": "Receipts"}})
    # Then the server answers with the id and every property the client left out
    created = result["created"]["a"]
    assert created == {
        "id": created["id"],
        "parentId": None,
        "role": None,
        "sortOrder": 0,
        "totalEmails": 0,
        "unreadEmails": 0,
        "totalThreads": 0,
        "unreadThreads": 0,
        "myRights": RIGHTS,
        "isSubscribed": True,
    }
    assert (result["oldState"], result["newState"]) == ("0", "1")
    assert result["notCreated"] is None
    assert all_boxes(client, alice.account_id)[created["id"]]["name"] == "Receipts"


def test_creation_ids_work_across_calls_and_in_get(client: Any, alice: Any) -> None:
    # Given a request that creates a parent, then (in a later call) a child naming it by #p
    responses = jmap(
        client,
        ["Mailbox/set", {"accountId": alice.account_id, "create": {"p": {"name": "Projects"}}}, "0"],
        [
            "Mailbox/set",
            {"accountId": alice.account_id, "create": {"c": {"name": "Alpha", "parentId": "#p"}}},
            "1",
        ],
        [
            "Mailbox/get",
            {"accountId": alice.account_id, "ids": ["#p", "#c"], "properties": ["parentId"]},
            "2",
        ],
    )
    # Then the child is created under the parent, and Mailbox/get resolves both creation ids
    parent = responses[0][1]["created"]["p"]["id"]
    child = responses[1][1]["created"]["c"]["id"]
    assert responses[1][1]["notCreated"] is None
    assert responses[2] == [
        "Mailbox/get",
        {
            "accountId": alice.account_id,
            "state": "2",
            "list": [{"id": parent, "parentId": None}, {"id": child, "parentId": parent}],
            "notFound": [],
        },
        "2",
    ]


def test_child_listed_before_its_parent_in_one_create(client: Any, alice: Any) -> None:
    # When one create map holds a child (first) that names its parent (second) by creation id
    result = mailbox_set(
        client,
        alice.account_id,
        create={"kid": {"name": "2024", "parentId": "#top"}, "top": {"name": "Taxes"}},
    )
    # Then both are created, the child under the parent, in one state step
    top, kid = result["created"]["top"]["id"], result["created"]["kid"]["id"]
    assert all_boxes(client, alice.account_id)[kid]["parentId"] == top
    assert (result["oldState"], result["newState"]) == ("0", "1")


def test_invalid_creates_name_every_bad_property(client: Any, alice: Any) -> None:
    # Given a top-level mailbox named "Inbox" exists (the default inbox)
    # When the client sends creates that break each rule of RFC 8621 §2
    result = mailbox_set(
        client,
        alice.account_id,
        create={
            "empty": {"name": ""},
            "noname": {"sortOrder": 3},
            "long": {"name": "x" * 256},
            "dup": {"name": "Inbox"},
            "badrole": {"name": "Stuff", "role": "Stuff"},
            "duprole": {"name": "Second trash", "role": "trash"},
            "serverset": {"name": "Counted", "totalEmails": 5},
            "withid": {"name": "Mine", "id": "Mmine"},
            "orphan": {"name": "Orphan", "parentId": "Mnowhere"},
            "unknownref": {"name": "Ghost", "parentId": "#ghost"},
            "badsort": {"name": "Sorted", "sortOrder": -1, "isSubscribed": "yes"},
            "extra": {"name": "Extra", "colour": "red"},
        },
    )
    # Then each is rejected with invalidProperties listing exactly the offending properties
    assert result["created"] is None
    assert result["oldState"] == result["newState"] == "0"
    errors = result["notCreated"]
    # A sibling's name is RFC 8620 alreadyExists naming that sibling (here the Inbox)
    assert errors.pop("dup") == {
        "type": "alreadyExists",
        "description": "a sibling mailbox already has this name",
        "existingId": role_id(client, alice.account_id, "inbox"),
    }
    got = {key: (error["type"], error["properties"]) for key, error in errors.items()}
    assert got == {
        "empty": ("invalidProperties", ["name"]),
        "noname": ("invalidProperties", ["name"]),
        "long": ("invalidProperties", ["name"]),
        "badrole": ("invalidProperties", ["role"]),
        "duprole": ("invalidProperties", ["role"]),
        "serverset": ("invalidProperties", ["totalEmails"]),
        "withid": ("invalidProperties", ["id"]),
        "orphan": ("invalidProperties", ["parentId"]),
        "unknownref": ("invalidProperties", ["parentId"]),
        "badsort": ("invalidProperties", ["isSubscribed", "sortOrder"]),
        "extra": ("invalidProperties", ["colour"]),
    }


def test_sibling_names_are_case_sensitive_and_per_parent(client: Any, alice: Any) -> None:
    # When the client creates "inbox" (lower case) at the top and "Inbox" under another mailbox
    result = mailbox_set(
        client,
        alice.account_id,
        create={
            "lower": {"name": "inbox"},
            "p": {"name": "Old"},
            "nested": {"name": "Inbox", "parentId": "#p"},
        },
    )
    # Then all are created: only an exact name under the same parent clashes
    assert set(result["created"]) == {"lower", "p", "nested"}
    # And two creates of one name under one parent keep the first and reject the second
    again = mailbox_set(client, alice.account_id, create={"x1": {"name": "Twin"}, "x2": {"name": "Twin"}})
    assert list(again["created"]) == ["x1"]
    assert again["notCreated"]["x2"] == {
        "type": "alreadyExists",
        "description": "a sibling mailbox already has this name",
        "existingId": again["created"]["x1"]["id"],
    }


def test_server_set_properties_may_be_echoed_unchanged(client: Any, alice: Any) -> None:
    # Given the full object of a mailbox as Mailbox/get returned it
    created = mailbox_set(client, alice.account_id, create={"a": {"name": "Echo"}})["created"]["a"]
    full = all_boxes(client, alice.account_id)[created["id"]]
    # When the client patches with the whole object, server-set properties included, and a new name
    patch = {**{k: v for k, v in full.items()}, "name": "Echoed"}
    result = mailbox_set(client, alice.account_id, update={created["id"]: patch})
    # Then the update succeeds with nothing the server changed on its own
    assert result["updated"] == {created["id"]: None}
    # But a different server-set value is invalidProperties
    bad = mailbox_set(
        client,
        alice.account_id,
        update={created["id"]: {"unreadEmails": 3, "myRights/mayDelete": False, "id": "Mother"}},
    )
    assert bad["notUpdated"][created["id"]] == {
        "type": "invalidProperties",
        "description": bad["notUpdated"][created["id"]]["description"],
        "properties": ["id", "myRights", "unreadEmails"],
    }


def test_rename_move_and_reorder(client: Any, alice: Any) -> None:
    # Given two top-level mailboxes
    made = mailbox_set(client, alice.account_id, create={"a": {"name": "A"}, "b": {"name": "B"}})["created"]
    a, b = made["a"]["id"], made["b"]["id"]
    # When A is renamed (to a decomposed é), moved under B, re-sorted and unsubscribed
    result = mailbox_set(
        client,
        alice.account_id,
        update={a: {"name": "Cafe\u0301", "parentId": b, "sortOrder": 7, "isSubscribed": False}},
    )
    # Then the update succeeds and reports the name the server stored (NFC), which it did not send
    assert result["updated"] == {a: {"name": "Caf\u00e9"}}
    box = all_boxes(client, alice.account_id)[a]
    assert (box["name"], box["parentId"], box["sortOrder"], box["isSubscribed"]) == ("Caf\u00e9", b, 7, False)
    # And a null parentId in a patch moves it back to the top level (the default)
    assert mailbox_set(client, alice.account_id, update={a: {"parentId": None}})["updated"] == {a: None}
    assert all_boxes(client, alice.account_id)[a]["parentId"] is None


def test_swapping_two_names_in_one_call_succeeds(client: Any, alice: Any) -> None:
    # Given mailboxes "Left" and "Right" side by side
    made = mailbox_set(client, alice.account_id, create={"l": {"name": "Left"}, "r": {"name": "Right"}})
    left, right = made["created"]["l"]["id"], made["created"]["r"]["id"]
    # When one call renames each to the other's name (only the final state must be valid)
    result = mailbox_set(client, alice.account_id, update={left: {"name": "Right"}, right: {"name": "Left"}})
    # Then both renames succeed
    assert result["notUpdated"] is None
    boxes = all_boxes(client, alice.account_id)
    assert (boxes[left]["name"], boxes[right]["name"]) == ("Right", "Left")


def test_moves_that_loop_or_go_too_deep_are_invalid(client: Any, alice: Any) -> None:
    # Given a chain of ten nested mailboxes (the maximum depth) and a separate pair P > Q
    chain = {f"d{n}": {"name": f"D{n}", **({"parentId": f"#d{n - 1}"} if n else {})} for n in range(10)}
    made = mailbox_set(
        client, alice.account_id, create={**chain, "p": {"name": "P"}, "q": {"name": "Q", "parentId": "#p"}}
    )["created"]
    assert len(made) == 12
    top, deepest, p, q = made["d0"]["id"], made["d9"]["id"], made["p"]["id"], made["q"]["id"]
    # When the client nests one more level, moves P under its own child, and moves P under the chain
    result = mailbox_set(
        client,
        alice.account_id,
        create={"d10": {"name": "D10", "parentId": deepest}},
        update={p: {"parentId": q}, top: {"parentId": top}},
    )
    # Then each is invalidProperties on parentId and nothing changed
    assert result["notCreated"]["d10"]["properties"] == ["parentId"]
    assert result["notUpdated"][p]["properties"] == ["parentId"]
    assert result["notUpdated"][top]["properties"] == ["parentId"]
    assert result["newState"] == result["oldState"]
    moved = mailbox_set(client, alice.account_id, update={p: {"parentId": made["d8"]["id"]}})
    assert moved["notUpdated"][p]["type"] == "invalidProperties"  # Q would be at depth 11


def test_role_can_move_between_mailboxes_in_one_call(client: Any, alice: Any) -> None:
    # Given the default archive mailbox and a new one
    archive = role_id(client, alice.account_id, "archive")
    new = mailbox_set(client, alice.account_id, create={"n": {"name": "New archive"}})["created"]["n"]["id"]
    # When one call clears the role on the old and sets it on the new mailbox
    result = mailbox_set(client, alice.account_id, update={archive: {"role": None}, new: {"role": "archive"}})
    # Then both succeed, and each reports its new rights, which the client did not set
    assert result["updated"] == {
        archive: {"myRights": RIGHTS},
        new: {"myRights": {**RIGHTS, "mayDelete": False}},
    }
    # And giving the role to a third mailbox now is a duplicate role
    third = mailbox_set(client, alice.account_id, create={"t": {"name": "Third", "role": "archive"}})
    assert third["notCreated"]["t"]["properties"] == ["role"]


def test_inbox_cannot_be_renamed_and_role_mailboxes_not_destroyed(client: Any, alice: Any) -> None:
    # Given the inbox and the trash
    inbox = role_id(client, alice.account_id, "inbox")
    trash = role_id(client, alice.account_id, "trash")
    # When the client renames the inbox and destroys the trash
    result = mailbox_set(client, alice.account_id, update={inbox: {"name": "In"}}, destroy=[trash])
    # Then both are forbidden, as their myRights said
    assert result["notUpdated"][inbox]["type"] == "forbidden"
    assert result["notDestroyed"][trash]["type"] == "forbidden"
    # But renaming the trash is fine (names may be localised)
    assert mailbox_set(client, alice.account_id, update={trash: {"name": "Papierkorb"}})["updated"] == {
        trash: None
    }
