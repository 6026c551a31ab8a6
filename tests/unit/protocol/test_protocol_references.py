"""Result references (RFC 8620 §3.7) through the dispatcher, with literal JMAP JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mailx.protocol.capabilities import CORE, MAIL
from mailx.protocol.errors import MethodError
from mailx.protocol.references import resolve_references

Run = Callable[..., dict[str, Any]]  # the `run` fixture of conftest.py


def _ref(result_of: str, name: str, path: str) -> dict[str, str]:
    return {"resultOf": result_of, "name": name, "path": path}


def test_the_rfc_8620_section_3_7_example(run: Run) -> None:
    # Given the four chained calls of the RFC example
    request = {
        "using": [CORE, MAIL],
        "methodCalls": [
            ["Email/query", {"accountId": "A1", "filter": {"inMailbox": "inbox"}, "limit": 10}, "t0"],
            [
                "Email/get",
                {"accountId": "A1", "#ids": _ref("t0", "Email/query", "/ids"), "properties": ["threadId"]},
                "t1",
            ],
            ["Thread/get", {"accountId": "A1", "#ids": _ref("t1", "Email/get", "/list/*/threadId")}, "t2"],
            [
                "Email/get",
                {
                    "accountId": "A1",
                    "#ids": _ref("t2", "Thread/get", "/list/*/emailIds"),
                    "properties": ["subject"],
                },
                "t3",
            ],
        ],
    }
    # When it is dispatched
    responses = run(request)["methodResponses"]
    # Then each call saw the resolved ids
    assert [r[0] for r in responses] == ["Email/query", "Email/get", "Thread/get", "Email/get"]
    assert responses[1][1]["list"] == [
        {"id": "msg1023", "threadId": "trd194"},
        {"id": "msg223", "threadId": "trd114"},
    ]
    assert responses[2][1]["list"] == [
        {"id": "trd194", "emailIds": ["msg1020", "msg1021", "msg1023"]},
        {"id": "trd114", "emailIds": ["msg201", "msg223"]},
    ]
    # And the nested emailIds arrays were flattened into one list
    assert [e["id"] for e in responses[3][1]["list"]] == ["msg1020", "msg1021", "msg1023", "msg201", "msg223"]


def test_both_foo_and_hash_foo_is_invalid_arguments(run: Run) -> None:
    calls = [
        ["Email/query", {"accountId": "A1"}, "t0"],
        ["Email/get", {"accountId": "A1", "ids": [], "#ids": _ref("t0", "Email/query", "/ids")}, "t1"],
    ]
    responses = run({"using": [CORE, MAIL], "methodCalls": calls})["methodResponses"]
    assert responses[1] == [
        "error",
        {"type": "invalidArguments", "description": "both 'ids' and '#ids' were given"},
        "t1",
    ]


@pytest.mark.parametrize(
    "reference",
    [
        _ref("t0", "Email/query", "/nope"),  # a bad path
        _ref("t0", "Email/query", "ids"),  # not a pointer
        _ref("t0", "Email/query", "/ids/5"),  # index out of range
        _ref("t0", "Email/get", "/ids"),  # right call, wrong name
        _ref("t9", "Email/query", "/ids"),  # unknown call id
        _ref("t1", "Email/get", "/list"),  # the call itself: not an earlier one
        {"resultOf": "t0", "name": "Email/query"},  # no path
        ["t0", "Email/query", "/ids"],  # not an object
    ],
)
def test_unresolvable_references_are_invalid_result_reference(run: Run, reference: Any) -> None:
    calls = [
        ["Email/query", {"accountId": "A1"}, "t0"],
        ["Email/get", {"accountId": "A1", "#ids": reference}, "t1"],
        ["Core/echo", {}, "t2"],
    ]
    responses = run({"using": [CORE, MAIL], "methodCalls": calls})["methodResponses"]
    assert responses[1][0] == "error"
    assert responses[1][1]["type"] == "invalidResultReference"
    assert responses[2] == ["Core/echo", {}, "t2"]


def test_reference_to_a_later_call_fails(run: Run) -> None:
    calls = [
        ["Email/get", {"accountId": "A1", "#ids": _ref("t1", "Email/query", "/ids")}, "t0"],
        ["Email/query", {"accountId": "A1"}, "t1"],
    ]
    responses = run({"using": [CORE, MAIL], "methodCalls": calls})["methodResponses"]
    assert responses[0][1]["type"] == "invalidResultReference"
    assert responses[1][0] == "Email/query"


def test_reference_reaches_the_second_response_of_a_call() -> None:
    # Given one call that produced two responses (Email/copy then the implicit Email/set)
    responses = [["Email/copy", {"created": {}}, "c1"], ["Email/set", {"destroyed": ["m1"]}, "c1"]]
    # When a later call refers to the second by name
    resolved = resolve_references({"#ids": _ref("c1", "Email/set", "/destroyed")}, responses)
    # Then it resolves
    assert resolved == {"ids": ["m1"]}


def test_references_to_an_error_response_must_name_it() -> None:
    responses = [["error", {"type": "serverFail"}, "c1"]]
    with pytest.raises(MethodError) as caught:
        resolve_references({"#ids": _ref("c1", "Email/query", "/ids")}, responses)
    assert caught.value.type == "invalidResultReference"


def test_arguments_without_references_are_returned_as_is() -> None:
    args = {"accountId": "A1", "ids": ["a"]}
    assert resolve_references(args, []) is args
