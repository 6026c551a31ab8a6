"""Identity/get, /changes and /set over HTTP (RFC 8621 §6), with the session's submission capability."""

from __future__ import annotations

from typing import Any

from tests.helpers.auth import basic

ALICE = basic("alice", "correct horse battery")
USING = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:submission"]
SUBMISSION = "urn:ietf:params:jmap:submission"


def call(client: Any, *calls: list[Any], using: list[str] = USING) -> list[list[Any]]:
    response = client.post("/jmap/api", json={"using": using, "methodCalls": list(calls)}, headers=ALICE)
    assert response.status_code == 200, response.text
    result: list[list[Any]] = response.json()["methodResponses"]
    return result


def assigned_identity(client: Any, account_id: str) -> dict[str, Any]:
    [[_, result, _]] = call(client, ["Identity/get", {"accountId": account_id, "ids": None}, "0"])
    [identity] = result["list"]
    return dict(identity)


def test_session_advertises_submission_with_truthful_account_capability(client: Any, alice: Any) -> None:
    session = client.get("/jmap/session", headers=ALICE).json()
    assert SUBMISSION in session["capabilities"]
    assert session["capabilities"][SUBMISSION] == {}
    account = session["accounts"][alice.account_id]
    assert account["accountCapabilities"][SUBMISSION] == {
        "maxDelayedSend": 604800,
        "submissionExtensions": {"FUTURERELEASE": ["604800"]},
    }
    assert session["primaryAccounts"][SUBMISSION] == alice.account_id


def test_get_lists_the_assigned_address_with_every_property(client: Any, alice: Any) -> None:
    # Given alice, created by the admin API with alice@example.com
    # When the client asks for every identity
    [[name, result, call_id]] = call(client, ["Identity/get", {"accountId": alice.account_id}, "g"])
    # Then it gets the one identity, undeletable, with the RFC 8621 §6 defaults
    assert (name, call_id) == ("Identity/get", "g")
    assert result["accountId"] == alice.account_id
    assert result["state"] == "0"
    assert result["notFound"] == []
    [identity] = result["list"]
    assert identity == {
        "id": identity["id"],
        "name": "Alice",
        "email": "alice@example.com",
        "replyTo": None,
        "bcc": None,
        "textSignature": "",
        "htmlSignature": "",
        "mayDelete": False,
    }


def test_get_by_ids_with_properties_and_not_found(client: Any, alice: Any) -> None:
    identity_id = assigned_identity(client, alice.account_id)["id"]
    [[_, result, _]] = call(
        client,
        ["Identity/get", {"accountId": alice.account_id, "ids": [identity_id, "Inope"],
                          "properties": ["email"]}, "0"],
    )  # fmt: skip
    assert result["list"] == [{"id": identity_id, "email": "alice@example.com"}]
    assert result["notFound"] == ["Inope"]
    [[name, error, _]] = call(
        client, ["Identity/get", {"accountId": alice.account_id, "properties": ["signature"]}, "0"]
    )
    assert (name, error["type"]) == ("error", "invalidArguments")


def test_identity_methods_need_the_submission_or_mail_capability(client: Any, alice: Any) -> None:
    [[name, error, _]] = call(
        client, ["Identity/get", {"accountId": alice.account_id}, "0"], using=["urn:ietf:params:jmap:core"]
    )
    assert (name, error["type"]) == ("error", "unknownMethod")
    # The mail capability implies submission (docs/clients.md, compatibility rules)
    [[name, result, _]] = call(
        client,
        ["Identity/get", {"accountId": alice.account_id}, "0"],
        using=["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"],
    )
    assert name == "Identity/get" and result["list"]


def test_create_update_destroy_round_trip_with_changes(client: Any, alice: Any) -> None:
    account = alice.account_id
    # Given a second identity for the assigned address, spelt in capitals, referenced by creation id
    responses = call(
        client,
        ["Identity/set", {"accountId": account, "create": {"work": {
            "email": "Alice@Example.com", "name": "Alice at work",
            "replyTo": [{"name": None, "email": "desk@example.com"}],
            "textSignature": "-- \nAlice"}}}, "s"],
        ["Identity/get", {"accountId": account, "ids": ["#work"]}, "g"],
    )  # fmt: skip
    [_, created, _], [_, got, _] = responses
    new_id = created["created"]["work"]["id"]
    # Then the server reports what it set: id, mayDelete, defaults, and the stored spelling
    assert created["oldState"] == "0" and created["newState"] == "1"
    assert created["created"]["work"] == {
        "id": new_id, "mayDelete": True, "bcc": None, "htmlSignature": "", "email": "alice@example.com",
    }  # fmt: skip
    assert got["state"] == "1"
    assert got["list"] == [{
        "id": new_id, "name": "Alice at work", "email": "alice@example.com",
        "replyTo": [{"name": None, "email": "desk@example.com"}], "bcc": None,
        "textSignature": "-- \nAlice", "htmlSignature": "", "mayDelete": True,
    }]  # fmt: skip
    # When it is patched (signature reset by null to its default) and then destroyed
    [[_, updated, _]] = call(
        client,
        ["Identity/set", {"accountId": account, "ifInState": "1", "update": {new_id: {
            "name": "Work", "textSignature": None, "bcc": [{"email": "archive@example.com"}]}}}, "u"],
    )  # fmt: skip
    assert updated["updated"] == {new_id: None} and updated["newState"] == "2"
    after = call(client, ["Identity/get", {"accountId": account, "ids": [new_id]}, "g"])[0][1]["list"][0]
    assert (after["name"], after["textSignature"], after["bcc"]) == (
        "Work",
        "",
        [{"email": "archive@example.com"}],
    )
    [[_, destroyed, _]] = call(client, ["Identity/set", {"accountId": account, "destroy": [new_id]}, "d"])
    assert destroyed["destroyed"] == [new_id] and destroyed["newState"] == "3"
    # Then Identity/changes tells each step, and collapses create+destroy to nothing
    [[_, step, _]] = call(client, ["Identity/changes", {"accountId": account, "sinceState": "1"}, "c"])
    assert (step["created"], step["updated"], step["destroyed"]) == ([], [], [new_id])
    assert (step["oldState"], step["newState"], step["hasMoreChanges"]) == ("1", "3", False)
    [[_, whole, _]] = call(client, ["Identity/changes", {"accountId": account, "sinceState": "0"}, "c"])
    assert (whole["created"], whole["updated"], whole["destroyed"]) == ([], [], [])
    [[_, paged, _]] = call(
        client, ["Identity/changes", {"accountId": account, "sinceState": "0", "maxChanges": 1}, "c"]
    )
    # (whole steps are taken while the collapsed count fits: three steps that cancel out fit in one)
    assert (paged["created"], paged["destroyed"], paged["newState"], paged["hasMoreChanges"]) == (
        [],
        [],
        "3",
        False,
    )


def test_every_set_error(client: Any, alice: Any) -> None:
    account = alice.account_id
    assigned = assigned_identity(client, account)["id"]
    [[_, result, _]] = call(
        client,
        ["Identity/set", {"accountId": account, "create": {
            "other": {"email": "mallory@example.com"},
            "wild": {"email": "*@example.com"},
            "bad": {"email": "not an address", "name": 7, "replyTo": "x", "mayDelete": False, "colour": 1},
            "noemail": {"name": "Nobody"},
        }, "update": {
            assigned: {"email": "alice2@example.com"},
            "Inope": {"name": "x"},
            "#unknown": {"name": "x"},
        }, "destroy": [assigned, "Inope"]}, "s"],
    )  # fmt: skip
    assert result["created"] is None and result["updated"] is None and result["destroyed"] is None
    assert result["oldState"] == result["newState"] == "0"
    not_created = result["notCreated"]
    assert not_created["other"]["type"] == "forbiddenFrom"
    assert not_created["wild"]["type"] == "forbiddenFrom"
    assert not_created["bad"]["type"] == "invalidProperties"
    assert not_created["bad"]["properties"] == ["colour", "email", "mayDelete", "name", "replyTo"]
    assert not_created["noemail"]["type"] == "invalidProperties"
    assert not_created["noemail"]["properties"] == ["email"]
    assert result["notUpdated"][assigned]["type"] == "invalidProperties"
    assert result["notUpdated"][assigned]["properties"] == ["email"]
    assert result["notUpdated"]["Inope"]["type"] == "notFound"
    assert result["notUpdated"]["#unknown"]["type"] == "notFound"
    assert result["notDestroyed"][assigned]["type"] == "forbidden"
    assert result["notDestroyed"]["Inope"]["type"] == "notFound"


def test_invalid_patch_and_state_mismatch(client: Any, alice: Any) -> None:
    account = alice.account_id
    assigned = assigned_identity(client, account)["id"]
    # An update of the assigned identity's settable properties is allowed
    [[_, ok, _]] = call(client, ["Identity/set", {"accountId": account, "update": {
        assigned: {"htmlSignature": "<b>A</b>", "email": "alice@example.com"}}}, "u"])  # fmt: skip
    assert ok["updated"] == {assigned: None}
    [[_, result, _]] = call(
        client, ["Identity/set", {"accountId": account, "update": {assigned: {"replyTo/0/name": "x"}}}, "u"]
    )
    assert result["notUpdated"][assigned]["type"] == "invalidPatch"
    [[name, error, _]] = call(
        client, ["Identity/set", {"accountId": account, "ifInState": "0", "destroy": [assigned]}, "s"]
    )
    assert (name, error["type"]) == ("error", "stateMismatch")
    [[name, error, _]] = call(client, ["Identity/changes", {"accountId": account, "sinceState": "x9"}, "c"])
    assert (name, error["type"]) == ("error", "cannotCalculateChanges")


def test_too_many_operations_is_request_too_large(client: Any, alice: Any) -> None:
    creates = {f"c{i}": {"email": "alice@example.com"} for i in range(91)}
    [[name, error, _]] = call(
        client, ["Identity/set", {"accountId": alice.account_id, "create": creates}, "s"]
    )
    assert (name, error["type"]) == ("error", "requestTooLarge")
