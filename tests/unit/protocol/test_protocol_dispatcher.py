"""The dispatcher (RFC 8620 §3.3-3.6): ordering, isolation, capabilities, accounts and createdIds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mailx.protocol.capabilities import CORE, MAIL
from mailx.protocol.errors import RequestError
from mailx.protocol.limits import CoreLimits

Run = Callable[..., dict[str, Any]]  # the `run` fixture of conftest.py


def test_core_echo_returns_its_arguments(run: Run) -> None:
    # Given / When
    response = run({"using": [CORE], "methodCalls": [["Core/echo", {"hello": True, "n": [1, 2]}, "b3ff"]]})
    # Then (the RFC 8620 §4.1 example)
    assert response == {
        "methodResponses": [["Core/echo", {"hello": True, "n": [1, 2]}, "b3ff"]],
        "sessionState": "s1",
    }


def test_unknown_method_name_is_unknown_method(run: Run) -> None:
    response = run({"using": [CORE], "methodCalls": [["Foo/bar", {}, "c1"]]})
    assert response["methodResponses"] == [
        [
            "error",
            {
                "type": "unknownMethod",
                "description": "unknown method 'Foo/bar' for the capabilities in 'using'",
            },
            "c1",
        ]
    ]


def test_method_whose_capability_is_not_in_using_is_unknown_method(run: Run) -> None:
    # Given Email/get exists, but the client did not opt into the mail capability
    response = run({"using": [CORE], "methodCalls": [["Email/get", {"accountId": "A1", "ids": []}, "c1"]]})
    # Then the server behaves as though it did not implement it
    assert response["methodResponses"][0][0] == "error"
    assert response["methodResponses"][0][1]["type"] == "unknownMethod"


def test_too_many_calls_is_a_limit_request_error(run: Run) -> None:
    calls = [["Core/echo", {}, f"c{i}"] for i in range(3)]
    with pytest.raises(RequestError) as caught:
        run({"using": [CORE], "methodCalls": calls}, limits=CoreLimits(max_calls_in_request=2))
    assert caught.value.to_problem()["type"] == "urn:ietf:params:jmap:error:limit"
    assert caught.value.to_problem()["limit"] == "maxCallsInRequest"


def test_exactly_max_calls_is_fine(run: Run) -> None:
    calls = [["Core/echo", {}, f"c{i}"] for i in range(2)]
    response = run({"using": [CORE], "methodCalls": calls}, limits=CoreLimits(max_calls_in_request=2))
    assert len(response["methodResponses"]) == 2


def test_unexpected_exception_is_server_fail_without_leaking_and_the_next_call_runs(
    run: Run, server_failures: list[tuple[str, str, BaseException]]
) -> None:
    # Given a method that raises with a secret in its message, followed by another call
    response = run(
        {"using": [CORE], "methodCalls": [["Test/explode", {}, "c1"], ["Core/echo", {"ok": 1}, "c2"]]}
    )
    # Then the client sees a bare serverFail, and the second call still ran
    first, second = response["methodResponses"]
    assert first[0] == "error" and first[2] == "c1"
    assert first[1]["type"] == "serverFail"
    assert "hunter2" not in str(response) and "RuntimeError" not in str(response)
    assert second == ["Core/echo", {"ok": 1}, "c2"]
    # And the caller was told, so it can log the call id and the exception
    assert [(method, call_id, str(exc)) for method, call_id, exc in server_failures] == [
        ("Test/explode", "c1", "database password is hunter2")
    ]


def test_handler_returning_garbage_is_server_fail(run: Run) -> None:
    response = run({"using": [CORE], "methodCalls": [["Test/badOutput", {}, "c1"]]})
    assert response["methodResponses"][0][1]["type"] == "serverFail"


def test_missing_account_id_is_invalid_arguments(run: Run) -> None:
    response = run({"using": [CORE, MAIL], "methodCalls": [["Email/get", {"ids": []}, "c1"]]})
    assert response["methodResponses"] == [
        [
            "error",
            {"type": "invalidArguments", "description": "'accountId' is required and must be a string"},
            "c1",
        ]
    ]


@pytest.mark.parametrize(
    ("method", "account", "error"),
    [
        ("Email/get", "nope", "accountNotFound"),
        ("Email/get", "NOMAIL", "accountNotSupportedByMethod"),
        ("Email/set", "RO", "accountReadOnly"),
    ],
)
def test_account_checks(run: Run, method: str, account: str, error: str) -> None:
    response = run(
        {"using": [CORE, MAIL], "methodCalls": [[method, {"accountId": account, "ids": []}, "c1"]]}
    )
    assert response["methodResponses"][0][0] == "error"
    assert response["methodResponses"][0][1]["type"] == error


def test_reading_a_read_only_account_is_allowed(run: Run) -> None:
    response = run(
        {"using": [CORE, MAIL], "methodCalls": [["Email/get", {"accountId": "RO", "ids": []}, "c1"]]}
    )
    assert response["methodResponses"][0][0] == "Email/get"


def test_created_ids_are_echoed_with_new_ones_added(run: Run) -> None:
    # Given a request that passes in a createdIds map and then creates a record
    response = run(
        {
            "using": [CORE, MAIL],
            "methodCalls": [["Email/set", {"accountId": "A1", "create": {"k2": {}}}, "c1"]],
            "createdIds": {"k1": "M1"},
        }
    )
    # Then the response carries every id passed in plus the new one
    assert response["createdIds"] == {"k1": "M1", "k2": "M100"}


def test_the_dispatcher_records_every_creation_a_call_reports(run: Run) -> None:
    # Given a /set that only reports its creations in `created`, and an echo that merely looks like one
    response = run(
        {
            "using": [CORE, MAIL],
            "methodCalls": [
                ["Mailbox/set", {"accountId": "A1", "create": {"a": {}, "b": {}}}, "c1"],
                ["Core/echo", {"created": {"x": {"id": "forged"}}}, "c2"],
            ],
            "createdIds": {},
        }
    )
    # Then later calls may say #a and #b, and a method that writes nothing records nothing
    assert response["createdIds"] == {"a": "MB0", "b": "MB1"}


def test_created_ids_are_omitted_when_the_request_had_none(run: Run) -> None:
    response = run(
        {
            "using": [CORE, MAIL],
            "methodCalls": [["Email/set", {"accountId": "A1", "create": {"k2": {}}}, "c1"]],
        }
    )
    assert "createdIds" not in response


def test_a_failed_call_leaves_no_creation_ids_behind(run: Run) -> None:
    response = run(
        {
            "using": [CORE, MAIL],
            "methodCalls": [["Email/set", {"accountId": "A1", "create": {"k2": {}}, "fail": True}, "c1"]],
            "createdIds": {},
        }
    )
    assert response["methodResponses"] == [["error", {"type": "stateMismatch"}, "c1"]]
    assert response["createdIds"] == {}


def test_a_call_may_emit_several_responses_with_its_call_id(run: Run) -> None:
    copy = ["Email/copy", {"accountId": "A1", "fromAccountId": "A1"}, "c1"]
    response = run({"using": [CORE, MAIL], "methodCalls": [copy]})
    assert response["methodResponses"] == [
        ["Email/copy", {"accountId": "A1"}, "c1"],
        ["Email/set", {"destroyed": ["m1"]}, "c1"],
    ]
