"""Standard /set and /copy (RFC 8620 §5.3-5.4): arguments and the full response shape."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mailx.protocol.capabilities import CORE, MAIL
from mailx.protocol.context import AccountAccess, CallContext, RequestContext
from mailx.protocol.errors import MethodError, SetError
from mailx.protocol.standard_copy import CopyResult, parse_copy
from mailx.protocol.standard_set import SetResult, check_state, parse_set


def _error(fn: Any, *args: Any) -> MethodError:
    with pytest.raises(MethodError) as caught:
        fn(*args)
    return caught.value


def test_parse_set_normalises_nulls(call: CallContext) -> None:
    parsed = parse_set({"accountId": "A1", "create": None, "update": None, "destroy": None}, call, 10)
    assert (parsed.create, parsed.update, parsed.destroy, parsed.if_in_state) == ({}, {}, [], None)


def test_parse_set_keeps_creation_references_for_the_handler(call: CallContext) -> None:
    # Given an update and destroy of records created earlier (or in this very call)
    args = {
        "accountId": "A1",
        "ifInState": "s1",
        "create": {"k2": {"name": "x"}},
        "update": {"#k2": {"name": "y"}, "M7": {}},
        "destroy": ["#k1"],
    }
    parsed = parse_set(args, call, 10)
    # Then the keys are as sent, and the handler resolves them once its creates are done
    assert parsed.update == {"#k2": {"name": "y"}, "M7": {}}
    assert parsed.destroy == ["#k1"]
    assert parsed.if_in_state == "s1"
    assert call.resolve_id("#k1") == "M1"


def test_too_many_operations_is_request_too_large(call: CallContext) -> None:
    args = {"accountId": "A1", "create": {"k": {}}, "update": {"a": {}}, "destroy": ["b"]}
    assert _error(parse_set, args, call, 2).type == "requestTooLarge"
    parse_set(args, call, 3)


@pytest.mark.parametrize(
    "args",
    [
        {"accountId": "A1", "create": []},
        {"accountId": "A1", "create": {"bad key": {}}},
        {"accountId": "A1", "create": {"#k": {}}},
        {"accountId": "A1", "create": {"k": 1}},
        {"accountId": "A1", "update": {"a": None}},
        {"accountId": "A1", "destroy": "a"},
        {"accountId": "A1", "ifInState": 3},
    ],
)
def test_bad_set_arguments(call: CallContext, args: dict[str, Any]) -> None:
    assert _error(parse_set, args, call, 10).type == "invalidArguments"


def test_if_in_state() -> None:
    check_state(None, "s2")
    check_state("s2", "s2")
    assert _error(check_state, "s1", "s2").type == "stateMismatch"


def test_set_response_has_every_property() -> None:
    # Given one of each outcome
    result = SetResult(account_id="A1", old_state="s1", new_state="s2")
    result.create_ok("k1", {"id": "M9"})
    result.create_failed("k2", SetError.invalid_properties(["name"], "name is required"))
    result.update_ok("M1")
    result.update_failed("M2", SetError("invalidPatch"))
    result.destroy_ok("M3")
    result.destroy_failed("M4", SetError.not_found())
    # Then the wire form has every argument, with SetErrors rendered
    assert result.to_response() == {
        "accountId": "A1",
        "oldState": "s1",
        "newState": "s2",
        "created": {"k1": {"id": "M9"}},
        "updated": {"M1": None},
        "destroyed": ["M3"],
        "notCreated": {
            "k2": {"type": "invalidProperties", "description": "name is required", "properties": ["name"]}
        },
        "notUpdated": {"M2": {"type": "invalidPatch"}},
        "notDestroyed": {"M4": {"type": "notFound"}},
    }


def test_empty_set_response_uses_null_not_empty_maps() -> None:
    """RFC 8620 §5.3: each of the six is `Id[...]|null`, and clients read `{}` as "something failed"."""
    result = SetResult(account_id="A1", old_state="s1")
    assert not result.changed
    assert json.dumps(result.to_response(), separators=(",", ":")) == (
        '{"accountId":"A1","oldState":"s1","newState":"s1","created":null,"updated":null,'
        '"destroyed":null,"notCreated":null,"notUpdated":null,"notDestroyed":null}'
    )


def test_successful_set_response_keeps_null_for_the_failures() -> None:
    result = SetResult(account_id="A1", old_state="s1", new_state="s2")
    result.create_ok("k1", {"id": "M9"})
    result.update_ok("M1")
    assert json.dumps(result.to_response(), separators=(",", ":")) == (
        '{"accountId":"A1","oldState":"s1","newState":"s2","created":{"k1":{"id":"M9"}},'
        '"updated":{"M1":null},"destroyed":null,"notCreated":null,"notUpdated":null,"notDestroyed":null}'
    )


def test_set_error_extras() -> None:
    assert SetError.already_exists("M1").to_json() == {"type": "alreadyExists", "existingId": "M1"}
    assert SetError.blob_not_found(["B1"]).to_json() == {"type": "blobNotFound", "notFound": ["B1"]}
    assert SetError("tooManyRecipients", maxRecipients=10).to_json() == {
        "type": "tooManyRecipients",
        "maxRecipients": 10,
    }


def _copy_call() -> CallContext:
    accounts = {
        "A1": AccountAccess(frozenset({MAIL})),
        "A2": AccountAccess(frozenset({MAIL})),
        "X": AccountAccess(frozenset()),
    }
    request = RequestContext(using=frozenset({CORE, MAIL}), accounts=accounts)
    return CallContext(request, "c1", "Email/copy", capability=MAIL, writes=True)


def test_parse_copy() -> None:
    args = {
        "fromAccountId": "A2",
        "accountId": "A1",
        "create": {"k1": {"id": "M5", "keywords": {}}},
        "onSuccessDestroyOriginal": True,
        "destroyFromIfInState": "s7",
    }
    parsed = parse_copy(args, _copy_call())
    assert parsed.from_account_id == "A2" and parsed.account_id == "A1"
    assert parsed.on_success_destroy_original is True
    assert parsed.destroy_from_if_in_state == "s7"
    assert parsed.if_from_in_state is None


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({"fromAccountId": "nope", "accountId": "A1", "create": {}}, "fromAccountNotFound"),
        ({"fromAccountId": "X", "accountId": "A1", "create": {}}, "fromAccountNotSupportedByMethod"),
        ({"fromAccountId": "A2", "accountId": "A2", "create": {}}, "invalidArguments"),
        ({"fromAccountId": "A2", "accountId": "A1"}, "invalidArguments"),
        ({"fromAccountId": "A2", "accountId": "A1", "create": {"k": {}}}, "invalidArguments"),
        ({"accountId": "A1", "create": {}}, "invalidArguments"),
    ],
)
def test_bad_copy_arguments(args: dict[str, Any], error: str) -> None:
    assert _error(parse_copy, args, _copy_call()).type == error


def test_copy_response() -> None:
    result = CopyResult(from_account_id="A2", account_id="A1", old_state="s1", new_state="s2")
    result.created["k1"] = {"id": "M9"}
    result.not_created["k2"] = SetError.already_exists("M3")
    assert result.to_response() == {
        "fromAccountId": "A2",
        "accountId": "A1",
        "oldState": "s1",
        "newState": "s2",
        "created": {"k1": {"id": "M9"}},
        "notCreated": {"k2": {"type": "alreadyExists", "existingId": "M3"}},
    }


def test_empty_copy_response_uses_null() -> None:
    result = CopyResult(from_account_id="A1", account_id="A2", old_state="s1")
    assert json.dumps(result.to_response(), separators=(",", ":")) == (
        '{"fromAccountId":"A1","accountId":"A2","oldState":"s1","newState":"s1","created":null,"notCreated":null}'
    )
