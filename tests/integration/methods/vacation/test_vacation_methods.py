"""VacationResponse/get and /set over HTTP (RFC 8621 §8), with the vacationresponse capability."""

from __future__ import annotations

from typing import Any

from mailx.store import transactions
from tests.helpers.auth import basic

ALICE = basic("alice", "correct horse battery")
VACATION = "urn:ietf:params:jmap:vacationresponse"
USING = ["urn:ietf:params:jmap:core", VACATION]
DEFAULT = {
    "id": "singleton",
    "isEnabled": False,
    "fromDate": None,
    "toDate": None,
    "subject": None,
    "textBody": None,
    "htmlBody": None,
}


def call(client: Any, *calls: list[Any], using: list[str] = USING) -> list[list[Any]]:
    response = client.post("/jmap/api", json={"using": using, "methodCalls": list(calls)}, headers=ALICE)
    assert response.status_code == 200, response.text
    result: list[list[Any]] = response.json()["methodResponses"]
    return result


def get(client: Any, account_id: str, **extra: Any) -> dict[str, Any]:
    [[name, result, _]] = call(client, ["VacationResponse/get", {"accountId": account_id, **extra}, "g"])
    assert name == "VacationResponse/get", result
    return dict(result)


def set_(client: Any, account_id: str, **extra: Any) -> dict[str, Any]:
    [[name, result, _]] = call(client, ["VacationResponse/set", {"accountId": account_id, **extra}, "s"])
    assert name == "VacationResponse/set", result
    return dict(result)


def test_session_advertises_the_capability_with_empty_objects(client: Any, alice: Any) -> None:
    session = client.get("/jmap/session", headers=ALICE).json()
    assert session["capabilities"][VACATION] == {}
    assert session["accounts"][alice.account_id]["accountCapabilities"][VACATION] == {}
    assert session["primaryAccounts"][VACATION] == alice.account_id


def test_methods_need_the_capability_or_mail_in_using(client: Any, alice: Any) -> None:
    [[name, error, _]] = call(
        client,
        ["VacationResponse/get", {"accountId": alice.account_id}, "0"],
        using=["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:submission"],
    )
    assert (name, error["type"]) == ("error", "unknownMethod")
    # The mail capability implies vacationresponse (docs/clients.md, compatibility rules)
    [[name, result, _]] = call(
        client,
        ["VacationResponse/get", {"accountId": alice.account_id}, "0"],
        using=["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"],
    )
    assert name == "VacationResponse/get" and result["list"][0]["id"] == "singleton"


def test_get_never_set_returns_the_default_object(client: Any, alice: Any) -> None:
    # Given an account that never touched its VacationResponse
    # When the client gets it with ids null, and by id with an unknown id beside it
    everything = get(client, alice.account_id, ids=None)
    by_id = get(client, alice.account_id, ids=["singleton", "other"], properties=["isEnabled"])
    # Then the singleton is disabled with every other property null, and "other" is notFound
    assert everything == {"accountId": alice.account_id, "state": "0", "list": [DEFAULT], "notFound": []}
    assert by_id["list"] == [{"id": "singleton", "isEnabled": False}]
    assert by_id["notFound"] == ["other"]
    only_other = get(client, alice.account_id, ids=["other"])
    assert (only_other["list"], only_other["notFound"]) == ([], ["other"])


def test_get_rejects_unknown_properties(client: Any, alice: Any) -> None:
    [[name, error, _]] = call(
        client, ["VacationResponse/get", {"accountId": alice.account_id, "properties": ["body"]}, "0"]
    )
    assert (name, error["type"]) == ("error", "invalidArguments")


def test_update_then_patch_moves_the_state_and_logs_the_change(client: Any, alice: Any) -> None:
    # Given the default object at state 0
    # When the client enables it with dates, subject and bodies
    first = set_(
        client,
        alice.account_id,
        update={"singleton": {"isEnabled": True, "fromDate": "2030-01-01T00:00:00Z",
                              "toDate": "2030-01-15T00:00:00Z", "subject": "Away",
                              "textBody": "Back on the 15th.", "htmlBody": "<p>Back on the 15th.</p>"}},
    )  # fmt: skip
    # Then the update succeeds and the state goes from 0 to 1
    assert first["updated"] == {"singleton": None}
    assert (first["oldState"], first["newState"]) == ("0", "1")
    assert get(client, alice.account_id)["list"] == [
        {"id": "singleton", "isEnabled": True, "fromDate": "2030-01-01T00:00:00Z",
         "toDate": "2030-01-15T00:00:00Z", "subject": "Away", "textBody": "Back on the 15th.",
         "htmlBody": "<p>Back on the 15th.</p>"}
    ]  # fmt: skip
    # When a patch clears the subject and resets isEnabled with null
    second = set_(client, alice.account_id, update={"singleton": {"subject": None, "isEnabled": None}})
    # Then only those change, and the state is 2
    assert (second["oldState"], second["newState"]) == ("1", "2")
    [obj] = get(client, alice.account_id)["list"]
    assert (obj["subject"], obj["isEnabled"], obj["textBody"]) == (None, False, "Back on the 15th.")
    # And the change log names the singleton once per step
    steps = list(transactions.read_changes(alice.account_id, "VacationResponse", 0, 2))
    assert [(s.modseq, s.updated) for s in steps] == [(1, ("singleton",)), (2, ("singleton",))]


def test_an_update_that_changes_nothing_keeps_the_state(client: Any, alice: Any) -> None:
    result = set_(client, alice.account_id, update={"singleton": {"isEnabled": False, "subject": None}})
    assert result["updated"] == {"singleton": None}
    assert (result["oldState"], result["newState"]) == ("0", "0")


def test_create_and_destroy_are_singleton_errors(client: Any, alice: Any) -> None:
    result = set_(
        client,
        alice.account_id,
        create={"new": {"isEnabled": True}},
        destroy=["singleton", "other"],
    )
    assert result["notCreated"]["new"]["type"] == "singleton"
    assert result["notDestroyed"]["singleton"]["type"] == "singleton"
    assert result["notDestroyed"]["other"]["type"] == "notFound"
    assert result["created"] is None and result["destroyed"] is None
    assert result["newState"] == "0"


def test_update_of_another_id_is_not_found(client: Any, alice: Any) -> None:
    result = set_(client, alice.account_id, update={"vacation": {"isEnabled": True}})
    assert result["notUpdated"]["vacation"]["type"] == "notFound"


def test_invalid_values_name_every_bad_property(client: Any, alice: Any) -> None:
    # Given values of the wrong type, a non-UTC date, a server-set id and an unknown property
    result = set_(
        client,
        alice.account_id,
        update={"singleton": {"isEnabled": "yes", "fromDate": "2030-01-01T00:00:00+01:00",
                              "toDate": "tomorrow", "subject": 5, "textBody": ["x"], "htmlBody": {},
                              "id": "other", "reply": "x"}},
    )  # fmt: skip
    # Then the update is refused with invalidProperties naming each, and nothing changes
    error = result["notUpdated"]["singleton"]
    assert error["type"] == "invalidProperties"
    assert sorted(error["properties"]) == sorted(
        ["isEnabled", "fromDate", "toDate", "subject", "textBody", "htmlBody", "id", "reply"]
    )
    assert result["newState"] == "0"
    assert get(client, alice.account_id)["list"] == [DEFAULT]


def test_echoing_the_id_is_accepted_and_bad_patch_paths_are_invalid_patch(client: Any, alice: Any) -> None:
    ok = set_(client, alice.account_id, update={"singleton": {"id": "singleton", "isEnabled": True}})
    assert ok["updated"] == {"singleton": None}
    bad = set_(client, alice.account_id, update={"singleton": {"subject/deep": "x"}})
    assert bad["notUpdated"]["singleton"]["type"] == "invalidPatch"


def test_if_in_state_mismatch_fails_the_whole_call(client: Any, alice: Any) -> None:
    set_(client, alice.account_id, update={"singleton": {"isEnabled": True}})
    [[name, error, _]] = call(
        client,
        ["VacationResponse/set", {"accountId": alice.account_id, "ifInState": "0",
                                  "update": {"singleton": {"isEnabled": False}}}, "0"],
    )  # fmt: skip
    assert (name, error["type"]) == ("error", "stateMismatch")
    assert get(client, alice.account_id)["list"][0]["isEnabled"] is True
    matching = set_(client, alice.account_id, ifInState="1", update={"singleton": {"isEnabled": False}})
    assert (matching["oldState"], matching["newState"]) == ("1", "2")
