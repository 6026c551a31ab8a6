"""Mailbox state over HTTP (RFC 8620 §5.2, §5.3; RFC 8621 §2.2): ifInState races and Mailbox/changes."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from tests.helpers.jmap_calls import jmap
from tests.helpers.mailbox_calls import one


def changes(client: Any, account_id: str, since: str, **args: Any) -> dict[str, Any]:
    name, result = one(client, "Mailbox/changes", {"accountId": account_id, "sinceState": since, **args})
    assert name == "Mailbox/changes", result
    return result


def test_if_in_state_second_writer_gets_state_mismatch(client: Any, alice: Any) -> None:
    # Given two clients that both saw state "0"
    # When both create a mailbox with ifInState "0", one after the other
    first = one(
        client,
        "Mailbox/set",
        {"accountId": alice.account_id, "ifInState": "0", "create": {"a": {"name": "A"}}},
    )
    second = one(
        client,
        "Mailbox/set",
        {"accountId": alice.account_id, "ifInState": "0", "create": {"b": {"name": "B"}}},
    )
    # Then the first succeeds and the second fails as a whole with stateMismatch
    assert first[0] == "Mailbox/set" and first[1]["newState"] == "1"
    assert second == ("error", {"type": "stateMismatch", "description": second[1]["description"]})
    # And a matching ifInState still works
    third = one(client, "Mailbox/set", {"accountId": alice.account_id, "ifInState": "1", "destroy": []})
    assert third[0] == "Mailbox/set"


def test_racing_writers_with_one_if_in_state_one_wins(client: Any, alice: Any, monkeypatch: Any) -> None:
    # Given two requests that both read state "0" before either commits
    from mailx.store import transactions

    real_commit = transactions.commit
    barrier = threading.Barrier(2, timeout=10)
    one_at_a_time = threading.Lock()

    def commit_together(txn: Any, **kwargs: Any) -> dict[str, int]:
        # Both have read state "0" and decided before either commits. The commits themselves run
        # one after the other: moto undoes a failed transaction by restoring a copy of every table
        # taken when it started, which would also undo a transaction that committed meanwhile.
        barrier.wait()
        with one_at_a_time:
            return real_commit(txn, **kwargs)

    monkeypatch.setattr(transactions, "commit", commit_together)
    outcomes: dict[str, tuple[str, dict[str, Any]]] = {}

    def write(name: str) -> None:
        args = {"accountId": alice.account_id, "ifInState": "0", "create": {"x": {"name": name}}}
        outcomes[name] = one(client, "Mailbox/set", args)

    # When both commit at the same moment
    threads = [threading.Thread(target=write, args=(name,)) for name in ("Left", "Right")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then exactly one created its mailbox and the other answered stateMismatch
    names = sorted(outcome[0] for outcome in outcomes.values())
    assert names == ["Mailbox/set", "error"]
    loser = next(result for name, result in outcomes.values() if name == "error")
    assert loser["type"] == "stateMismatch"
    monkeypatch.setattr(transactions, "commit", real_commit)
    _, got = one(client, "Mailbox/get", {"accountId": alice.account_id, "properties": ["name"]})
    assert got["state"] == "1"
    assert len([m for m in got["list"] if m["name"] in ("Left", "Right")]) == 1


def test_racing_writers_without_if_in_state_both_win(client: Any, alice: Any, monkeypatch: Any) -> None:
    # Given two requests that create the same name at the same moment without ifInState
    from mailx.store import transactions

    real_commit = transactions.commit
    barrier = threading.Barrier(2, timeout=10)
    one_at_a_time = threading.Lock()
    calls = {"n": 0}

    def commit_together(txn: Any, **kwargs: Any) -> dict[str, int]:
        calls["n"] += 1
        if calls["n"] <= 2:
            barrier.wait()  # both decided on the same snapshot (commits serialised: see above)
        with one_at_a_time:
            return real_commit(txn, **kwargs)

    monkeypatch.setattr(transactions, "commit", commit_together)
    outcomes: list[dict[str, Any]] = []

    def write() -> None:
        outcomes.append(
            one(client, "Mailbox/set", {"accountId": alice.account_id, "create": {"x": {"name": "Same"}}})[1]
        )

    threads = [threading.Thread(target=write) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then the loser decides again on fresh data: its create now clashes with the winner's name
    assert sorted(len(o["created"] or {}) for o in outcomes) == [0, 1]
    winner = next(o for o in outcomes if o["created"])
    loser = next(o for o in outcomes if not o["created"])
    assert loser["notCreated"]["x"]["type"] == "alreadyExists"
    assert loser["notCreated"]["x"]["existingId"] == winner["created"]["x"]["id"]


def test_changes_follow_creates_renames_moves_and_destroys(client: Any, alice: Any) -> None:
    account = alice.account_id
    # Given three mailboxes created in state 1
    _, made = one(
        client,
        "Mailbox/set",
        {"accountId": account, "create": {"a": {"name": "A"}, "b": {"name": "B"}, "c": {"name": "C"}}},
    )
    a, b, c = (made["created"][k]["id"] for k in "abc")
    # Then changes from 0 list them as created
    first = changes(client, account, "0")
    assert first == {
        "accountId": account,
        "oldState": "0",
        "newState": "1",
        "hasMoreChanges": False,
        "created": [a, b, c],
        "updated": [],
        "destroyed": [],
        "updatedProperties": None,
    }
    # When A is renamed (2), B moved under A (3) and C destroyed (4)
    one(client, "Mailbox/set", {"accountId": account, "update": {a: {"name": "A2"}}})
    one(client, "Mailbox/set", {"accountId": account, "update": {b: {"parentId": a}}})
    one(client, "Mailbox/set", {"accountId": account, "destroy": [c]})
    # Then changes from 1 report the updates and the destroy
    later = changes(client, account, "1")
    assert (later["newState"], later["hasMoreChanges"]) == ("4", False)
    assert (sorted(later["updated"]), later["created"], later["destroyed"]) == (sorted([a, b]), [], [c])
    # And from 0, C was created and destroyed, so it is left out entirely
    whole = changes(client, account, "0")
    assert (sorted(whole["created"]), whole["updated"], whole["destroyed"]) == (sorted([a, b]), [], [])
    # And from the current state nothing changed
    assert changes(client, account, "4")["created"] == []


def test_changes_page_with_max_changes(client: Any, alice: Any) -> None:
    account = alice.account_id
    for n in range(3):
        one(client, "Mailbox/set", {"accountId": account, "create": {f"m{n}": {"name": f"M{n}"}}})
    # When the client asks for one change at a time
    seen: list[str] = []
    state = "0"
    pages = 0
    while True:
        page = changes(client, account, state, maxChanges=1)
        assert len(page["created"]) + len(page["updated"]) + len(page["destroyed"]) <= 1
        seen += page["created"]
        state = page["newState"]
        pages += 1
        if not page["hasMoreChanges"]:
            break
    # Then it pages through every state and ends in the current one
    assert (pages, state, len(seen)) == (3, "3", 3)


def test_unknown_or_expired_state_cannot_calculate_changes(client: Any, alice: Any) -> None:
    account = alice.account_id
    for n in range(2):
        one(client, "Mailbox/set", {"accountId": account, "create": {"m": {"name": f"M{n}"}}})
    for bogus in ("banana", "99", "-1"):
        name, result = one(client, "Mailbox/changes", {"accountId": account, "sinceState": bogus})
        assert (name, result["type"]) == ("error", "cannotCalculateChanges")
    # Given the log step for state 1 has expired
    from mailx.store.models import Change

    Change.get(f"{account}#Mailbox", 1).update(actions=[Change.expires_at.set(int(time.time()) - 1)])
    name, result = one(client, "Mailbox/changes", {"accountId": account, "sinceState": "0"})
    assert (name, result["type"]) == ("error", "cannotCalculateChanges")
    assert changes(client, account, "1")["newState"] == "2"


@pytest.mark.parametrize("max_changes", [0, -1, "1"])
def test_bad_max_changes_is_invalid_arguments(client: Any, alice: Any, max_changes: Any) -> None:
    args = {"accountId": alice.account_id, "sinceState": "0", "maxChanges": max_changes}
    assert one(client, "Mailbox/changes", args)[1]["type"] == "invalidArguments"


def test_changes_then_get_by_back_reference(client: Any, alice: Any) -> None:
    # Given a renamed mailbox (the RFC 8621 §2.6 flow)
    account = alice.account_id
    _, made = one(client, "Mailbox/set", {"accountId": account, "create": {"a": {"name": "A"}}})
    box = made["created"]["a"]["id"]
    one(client, "Mailbox/set", {"accountId": account, "update": {box: {"name": "Renamed"}}})
    # When changes and a get of the updated ids with #properties run in one request
    responses = jmap(
        client,
        ["Mailbox/changes", {"accountId": account, "sinceState": "1"}, "0"],
        [
            "Mailbox/get",
            {
                "accountId": account,
                "#ids": {"resultOf": "0", "name": "Mailbox/changes", "path": "/updated"},
                "#properties": {"resultOf": "0", "name": "Mailbox/changes", "path": "/updatedProperties"},
            },
            "1",
        ],
    )
    # Then updatedProperties is null (not only counts changed), so get returns all properties
    got = responses[1][1]
    assert [m["name"] for m in got["list"]] == ["Renamed"]
    assert len(got["list"][0]) == 11
