"""Mailbox/query and /queryChanges over HTTP (RFC 8621 §2.3, §2.4; RFC 8620 §5.5, §5.6)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.jmap_calls import jmap
from tests.helpers.mailbox_calls import one

ROLES = ["Inbox", "Drafts", "Sent", "Archive", "Junk", "Trash"]


@pytest.fixture
def tree(client: Any, alice: Any) -> dict[str, str]:
    """Besides the defaults (six roles and Templates, sortOrder 1-7):
    Work > {admin, Clients > Acme}, Hobbies > Bikes."""
    name, result = one(
        client,
        "Mailbox/set",
        {
            "accountId": alice.account_id,
            "create": {
                "Work": {"name": "Work", "sortOrder": 10},
                "Clients": {"name": "Clients", "parentId": "#Work", "sortOrder": 2},
                "admin": {"name": "admin", "parentId": "#Work", "sortOrder": 1},
                "Acme": {"name": "Acme", "parentId": "#Clients"},
                "Hobbies": {"name": "Hobbies", "sortOrder": 10, "isSubscribed": False},
                "Bikes": {"name": "Bikes", "parentId": "#Hobbies"},
            },
        },
    )
    assert name == "Mailbox/set" and len(result["created"]) == 6, result
    ids = {key: value["id"] for key, value in result["created"].items()}
    _, got = one(client, "Mailbox/get", {"accountId": alice.account_id, "properties": ["name", "role"]})
    ids.update({m["name"]: m["id"] for m in got["list"] if m["role"] or m["name"] == "Templates"})
    return ids


def query(client: Any, account_id: str, **args: Any) -> dict[str, Any]:
    name, result = one(client, "Mailbox/query", {"accountId": account_id, **args})
    assert name == "Mailbox/query", result
    return result


def names(tree: dict[str, str], ids: list[str]) -> list[str]:
    by_id = {v: k for k, v in tree.items()}
    return [by_id[i] for i in ids]


def test_sort_as_tree_puts_parents_before_children(client: Any, alice: Any, tree: dict[str, str]) -> None:
    # When the client sorts by sortOrder then name, as a tree
    sort = [{"property": "sortOrder"}, {"property": "name"}]
    result = query(client, alice.account_id, sort=sort, sortAsTree=True, calculateTotal=True)
    # Then each parent comes right before its sorted children
    assert names(tree, result["ids"]) == [
        *ROLES,
        "Templates",
        "Hobbies",
        "Bikes",
        "Work",
        "admin",
        "Clients",
        "Acme",
    ]
    assert result["queryState"] == "1"
    assert (result["canCalculateChanges"], result["position"], result["total"]) == (True, 0, 13)
    # And without sortAsTree the same sort interleaves the levels (ties on sortOrder go by name)
    flat = query(client, alice.account_id, sort=sort)
    assert names(tree, flat["ids"]) == [
        "Acme",
        "Bikes",
        "admin",
        "Inbox",
        "Clients",
        *ROLES[1:],
        "Templates",
        "Hobbies",
        "Work",
    ]
    assert "total" not in flat


def test_name_sort_and_collations(client: Any, alice: Any, tree: dict[str, str]) -> None:
    # Given the default collation (i;unicode-casemap), "admin" sorts among the capitals
    by_name = query(client, alice.account_id, filter={"parentId": tree["Work"]}, sort=[{"property": "name"}])
    assert names(tree, by_name["ids"]) == ["admin", "Clients"]
    # With i;octet, lower case comes after upper case; isAscending false reverses it
    octet = [{"property": "name", "collation": "i;octet", "isAscending": False}]
    result = query(client, alice.account_id, filter={"parentId": tree["Work"]}, sort=octet)
    assert names(tree, result["ids"]) == ["admin", "Clients"]
    octet_up = [{"property": "name", "collation": "i;octet"}]
    result = query(client, alice.account_id, filter={"parentId": tree["Work"]}, sort=octet_up)
    assert names(tree, result["ids"]) == ["Clients", "admin"]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"parentId": None, "hasAnyRole": False}, {"Work", "Hobbies", "Templates"}),
        ({"name": "CLI"}, {"Clients"}),
        ({"role": None}, {"Work", "Clients", "admin", "Acme", "Hobbies", "Bikes", "Templates"}),
        ({"role": "trash"}, {"Trash"}),
        ({"hasAnyRole": True}, set(ROLES)),
        ({"isSubscribed": False}, {"Hobbies"}),
        (
            {"operator": "NOT", "conditions": [{"hasAnyRole": True}, {"name": "i"}]},
            {"Work", "Acme", "Templates"},
        ),
        ({"operator": "OR", "conditions": [{"role": "inbox"}, {"name": "acme"}]}, {"Inbox", "Acme"}),
    ],
)
def test_filters(
    client: Any, alice: Any, tree: dict[str, str], condition: dict[str, Any], expected: set[str]
) -> None:
    result = query(client, alice.account_id, filter=condition)
    assert set(names(tree, result["ids"])) == expected


def test_filter_by_parent_id(client: Any, alice: Any, tree: dict[str, str]) -> None:
    result = query(client, alice.account_id, filter={"parentId": tree["Clients"]})
    assert names(tree, result["ids"]) == ["Acme"]


def test_filter_as_tree_drops_children_of_non_matching_parents(
    client: Any, alice: Any, tree: dict[str, str]
) -> None:
    # Given Hobbies is unsubscribed and its child Bikes subscribed
    plain = query(client, alice.account_id, filter={"isSubscribed": True})
    as_tree = query(client, alice.account_id, filter={"isSubscribed": True}, filterAsTree=True)
    # Then only the tree filter leaves Bikes out, since its parent does not match
    assert "Bikes" in names(tree, plain["ids"])
    assert set(names(tree, plain["ids"])) - set(names(tree, as_tree["ids"])) == {"Bikes"}


def test_anchor_position_and_limit(client: Any, alice: Any, tree: dict[str, str]) -> None:
    sort = [{"property": "sortOrder"}, {"property": "name"}]
    anchored = query(
        client, alice.account_id, sort=sort, sortAsTree=True, anchor=tree["Work"], anchorOffset=-1, limit=3
    )
    assert names(tree, anchored["ids"]) == ["Bikes", "Work", "admin"]
    assert anchored["position"] == 8
    tail = query(client, alice.account_id, sort=sort, sortAsTree=True, position=-2)
    assert (names(tree, tail["ids"]), tail["position"]) == (["Clients", "Acme"], 11)
    name, error = one(client, "Mailbox/query", {"accountId": alice.account_id, "anchor": "Mnothere"})
    assert (name, error["type"]) == ("error", "anchorNotFound")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({"filter": {"colour": "red"}}, "unsupportedFilter"),
        ({"filter": {"operator": "AND", "conditions": [{"hasChildren": True}]}}, "unsupportedFilter"),
        ({"sort": [{"property": "totalEmails"}]}, "unsupportedSort"),
        ({"sort": [{"property": "name", "collation": "i;klingon"}]}, "unsupportedSort"),
        ({"filter": {"isSubscribed": "yes"}}, "invalidArguments"),
        ({"sortAsTree": 1}, "invalidArguments"),
        ({"limit": -1}, "invalidArguments"),
    ],
)
def test_bad_queries(client: Any, alice: Any, args: dict[str, Any], error: str) -> None:
    name, result = one(client, "Mailbox/query", {"accountId": alice.account_id, **args})
    assert (name, result["type"]) == ("error", error)


def test_query_ids_feed_get_by_back_reference(client: Any, alice: Any, tree: dict[str, str]) -> None:
    responses = jmap(
        client,
        ["Mailbox/query", {"accountId": alice.account_id, "filter": {"parentId": tree["Work"]}}, "q"],
        [
            "Mailbox/get",
            {
                "accountId": alice.account_id,
                "#ids": {"resultOf": "q", "name": "Mailbox/query", "path": "/ids"},
                "properties": ["name"],
            },
            "g",
        ],
    )
    assert sorted(m["name"] for m in responses[1][1]["list"]) == ["Clients", "admin"]


def apply_query_changes(old: list[str], removed: list[str], added: list[dict[str, Any]]) -> list[str]:
    """The client's algorithm of RFC 8620 §5.6: splice out removed, splice in added by index."""
    result = [i for i in old if i not in removed]
    for item in added:
        result.insert(item["index"], item["id"])
    return result


def test_query_changes_after_rename_create_move_and_destroy(
    client: Any, alice: Any, tree: dict[str, str]
) -> None:
    account = alice.account_id
    args = {"filter": {"parentId": tree["Work"]}, "sort": [{"property": "name"}]}
    before = query(client, account, **args)
    assert names(tree, before["ids"]) == ["admin", "Clients"]
    # When admin is renamed, Billing created under Work, Bikes moved there and Acme destroyed
    _, done = one(
        client,
        "Mailbox/set",
        {
            "accountId": account,
            "create": {"Billing": {"name": "Billing", "parentId": tree["Work"]}},
            "update": {tree["admin"]: {"name": "Zed"}, tree["Bikes"]: {"parentId": tree["Work"]}},
            "destroy": [tree["Acme"]],
        },
    )
    billing = done["created"]["Billing"]["id"]
    after = query(client, account, **args)
    name, changes = one(
        client,
        "Mailbox/queryChanges",
        {"accountId": account, **args, "sinceQueryState": before["queryState"], "calculateTotal": True},
    )
    # Then the changes turn the old result into the new one
    assert name == "Mailbox/queryChanges"
    assert (changes["oldQueryState"], changes["newQueryState"]) == ("1", after["queryState"])
    assert set(changes["removed"]) == {tree["admin"], tree["Bikes"], tree["Acme"], billing}
    assert changes["added"] == [
        {"id": tree["Bikes"], "index": 0},
        {"id": billing, "index": 1},
        {"id": tree["admin"], "index": 3},
    ]
    assert changes["total"] == 4
    assert apply_query_changes(before["ids"], changes["removed"], changes["added"]) == after["ids"]


def test_query_changes_as_tree_moves_unchanged_children(
    client: Any, alice: Any, tree: dict[str, str]
) -> None:
    account = alice.account_id
    args = {"sort": [{"property": "name"}], "sortAsTree": True}
    before = query(client, account, **args)
    # When only the parent Hobbies is renamed to sort last
    one(client, "Mailbox/set", {"accountId": account, "update": {tree["Hobbies"]: {"name": "Zoo"}}})
    # Then its child Bikes, unchanged itself, is re-placed too
    after = query(client, account, **args)
    _, changes = one(
        client,
        "Mailbox/queryChanges",
        {"accountId": account, **args, "sinceQueryState": before["queryState"]},
    )
    assert tree["Bikes"] in changes["removed"]
    assert apply_query_changes(before["ids"], changes["removed"], changes["added"]) == after["ids"]


def test_query_changes_errors(client: Any, alice: Any, tree: dict[str, str]) -> None:
    account = alice.account_id
    one(client, "Mailbox/set", {"accountId": account, "update": {tree["Work"]: {"name": "Job"}}})
    name, result = one(client, "Mailbox/queryChanges", {"accountId": account, "sinceQueryState": "nope"})
    assert (name, result["type"]) == ("error", "cannotCalculateChanges")
    name, result = one(
        client, "Mailbox/queryChanges", {"accountId": account, "sinceQueryState": "1", "maxChanges": 1}
    )
    assert (name, result["type"]) == ("error", "tooManyChanges")
    name, result = one(client, "Mailbox/queryChanges", {"accountId": account, "sinceQueryState": "2"})
    assert (name, result["removed"], result["added"]) == ("Mailbox/queryChanges", [], [])
