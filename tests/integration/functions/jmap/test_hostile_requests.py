"""Hostile JMAP requests (issue 13): reference amplification, numbers, and client mistakes that were
answered with HTTP 500 or serverFail. Everything goes through the FastAPI app over HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mailx.config import reset_settings
from mailx.store import config_store
from tests.helpers.auth import basic

AUTH = basic("alice", "correct horse battery")
CORE = "urn:ietf:params:jmap:core"
MAIL = "urn:ietf:params:jmap:mail"
SUBMISSION = "urn:ietf:params:jmap:submission"
QUOTA = "urn:ietf:params:jmap:quota"
USING = [CORE, MAIL, SUBMISSION, "urn:ietf:params:jmap:vacationresponse", QUOTA]


ECHO_X = b'{"using":["urn:ietf:params:jmap:core"],"methodCalls":[["Core/echo",{"x":%s},"0"]]}'


def _post(client: Any, raw: bytes) -> Any:
    return client.post("/jmap/api", content=raw, headers={**AUTH, "Content-Type": "application/json"})


def _api(client: Any, calls: list[Any]) -> Any:
    return _post(client, json.dumps({"using": USING, "methodCalls": calls}).encode())


def _doubling_chain(calls: int) -> list[Any]:
    """The issue's 3.5 KB request: each echo names the previous response twice."""
    chain: list[Any] = [["Core/echo", {"x": "A" * 1000}, "c0"]]
    for n in range(1, calls):
        ref = {"resultOf": f"c{n - 1}", "name": "Core/echo", "path": ""}
        chain.append(["Core/echo", {"#a": ref, "#b": ref}, f"c{n}"])
    return chain


def test_a_doubling_reference_chain_is_cut_off_at_the_response_limit(client: Any, alice: Any) -> None:
    # Given the session's advertised response limit
    session = client.get("/jmap/session", headers=AUTH).json()
    limits = session["capabilities"]["urn:x-mailx:limits"]
    assert limits["maxSizeResponse"] == 4_000_000 and limits["maxSizeReference"] == 5_000_000
    # When 18 calls each double the last (267 MB of JSON before the fix)
    request = json.dumps({"using": [CORE], "methodCalls": _doubling_chain(18)}).encode()
    assert len(request) < 4_000
    response = _post(client, request)
    # Then the answer is a normal 200 within the limit: early calls answered, late ones refused
    assert response.status_code == 200
    assert len(response.content) <= limits["maxSizeResponse"] + 10_000
    answers = response.json()["methodResponses"]
    assert [a[2] for a in answers] == [f"c{n}" for n in range(18)]
    assert answers[0] == ["Core/echo", {"x": "A" * 1000}, "c0"]
    assert answers[5][0] == "Core/echo"
    refused = [n for n, a in enumerate(answers) if a[0] == "error"]
    assert refused == list(range(refused[0], 18)) and 6 < refused[0] < 18
    first = answers[refused[0]][1]
    assert first["type"] == "requestTooLarge" and "maxSize" in first["description"]
    # the calls after it name a response that is now an error
    assert {answers[n][1]["type"] for n in refused[1:]} <= {"invalidResultReference", "requestTooLarge"}


def test_a_write_is_answered_even_when_the_budget_is_spent(client: Any, alice: Any) -> None:
    # Given a request whose first calls use up the response budget
    calls = _doubling_chain(14)
    # When a write follows
    calls.append(["Mailbox/set", {"accountId": alice.account_id, "create": {"m": {"name": "Kept"}}}, "w"])
    answers = _api(client, calls).json()["methodResponses"]
    # Then some reads were refused, but the write's real answer is returned (it happened)
    assert any(a[0] == "error" and a[1]["type"] == "requestTooLarge" for a in answers)
    assert answers[-1][0] == "Mailbox/set" and "m" in answers[-1][1]["created"]


@pytest.mark.parametrize(
    "raw",
    [
        b"2e308",
        b"-1e400",
        b"9007199254740992",
        b"9" * 4301,
    ],
)
def test_numbers_beyond_i_json_are_a_400_problem(client: Any, alice: Any, raw: bytes) -> None:
    response = _post(client, ECHO_X % raw)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "urn:ietf:params:jmap:error:notJSON"


def test_the_largest_safe_integer_and_large_finite_floats_still_work(client: Any, alice: Any) -> None:
    response = _post(client, ECHO_X % b"[9007199254740991,-9007199254740991,1e308]")
    assert response.status_code == 200
    assert response.json()["methodResponses"][0][1] == {"x": [9007199254740991, -9007199254740991, 1e308]}


def test_a_ping_of_thousands_of_digits_is_a_400_problem(client: Any, alice: Any) -> None:
    response = client.get(f"/jmap/eventsource?types=*&closeafter=state&ping={'9' * 4301}", headers=AUTH)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_last_event_id_with_a_huge_number_is_ignored_in_buffered_mode(
    client: Any, alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVENTSOURCE_MODE", "buffered")
    reset_settings()
    config_store.forget_cache()
    headers = {**AUTH, "Last-Event-ID": f"{alice.account_id}:Email={'9' * 4301}"}
    response = client.get("/jmap/eventsource?types=*&closeafter=no&ping=0", headers=headers)
    assert response.status_code == 200
    # treated like no Last-Event-ID: the current state's id, nothing claimed to have changed
    assert f"id: {alice.account_id}:Email=0," in response.text and "event: state" not in response.text


def test_every_changes_method_refuses_a_5000_digit_state_as_cannot_calculate(client: Any, alice: Any) -> None:
    from mailx.server.method_table import registry

    names = sorted(n for n in registry().names() if n.endswith("/changes") or n.endswith("/queryChanges"))
    assert "Email/changes" in names and "Email/queryChanges" in names
    huge = "9" * 5000
    calls = []
    for name in names:
        key = "sinceQueryState" if name.endswith("/queryChanges") else "sinceState"
        calls.append([name, {"accountId": alice.account_id, key: huge}, name])
    answers = _api(client, calls).json()["methodResponses"]
    assert len(answers) == len(names)
    for (name, args, call_id), expected in zip(answers, names, strict=True):
        assert call_id == expected
        assert (name, args["type"]) == ("error", "cannotCalculateChanges"), (expected, args)


def test_a_reference_path_with_a_5000_digit_index_is_an_invalid_result_reference(
    client: Any, alice: Any
) -> None:
    ref = {"resultOf": "q", "name": "Email/query", "path": "/ids/" + "9" * 5000}
    answers = _api(
        client,
        [
            ["Email/query", {"accountId": alice.account_id}, "q"],
            ["Email/get", {"accountId": alice.account_id, "#ids": ref}, "g"],
        ],
    ).json()["methodResponses"]
    assert answers[1][0] == "error" and answers[1][1]["type"] == "invalidResultReference"
    assert len(answers[1][1]["description"]) < 500


def _nested(depth: int) -> dict[str, Any]:
    part: dict[str, Any] = {"partId": "t", "type": "text/plain"}
    for _ in range(depth):
        part = {"type": "multipart/mixed", "subParts": [part]}
    return part


@pytest.mark.parametrize("depth", [33, 400])
def test_a_body_structure_nested_too_deep_is_invalid_properties(client: Any, alice: Any, depth: int) -> None:
    mailboxes = _api(client, [["Mailbox/get", {"accountId": alice.account_id}, "m"]]).json()
    inbox = next(m["id"] for m in mailboxes["methodResponses"][0][1]["list"] if m["role"] == "inbox")
    create = {
        "mailboxIds": {inbox: True},
        "subject": "deep",
        "bodyStructure": _nested(depth),
        "bodyValues": {"t": {"value": "hello"}},
    }
    answers = _api(client, [["Email/set", {"accountId": alice.account_id, "create": {"d": create}}, "s"]])
    result = answers.json()["methodResponses"][0]
    assert result[0] == "Email/set", result
    error = result[1]["notCreated"]["d"]
    assert error["type"] == "invalidProperties"
    assert error["properties"][0].startswith("bodyStructure/subParts/0")


def test_a_body_structure_at_the_depth_limit_is_created(client: Any, alice: Any) -> None:
    mailboxes = _api(client, [["Mailbox/get", {"accountId": alice.account_id}, "m"]]).json()
    inbox = next(m["id"] for m in mailboxes["methodResponses"][0][1]["list"] if m["role"] == "inbox")
    create = {
        "mailboxIds": {inbox: True},
        "bodyStructure": _nested(31),
        "bodyValues": {"t": {"value": "hello"}},
    }
    answers = _api(client, [["Email/set", {"accountId": alice.account_id, "create": {"d": create}}, "s"]])
    assert "d" in answers.json()["methodResponses"][0][1]["created"]


@pytest.mark.parametrize("raw", [" v\r\n \r\n Bcc: v@ext.test", " v\r\n\t\r\n\tmore", " v\n   \n x"])
def test_a_raw_header_with_a_whitespace_only_folded_line_is_refused(
    client: Any, alice: Any, raw: str
) -> None:
    mailboxes = _api(client, [["Mailbox/get", {"accountId": alice.account_id}, "m"]]).json()
    drafts = next(m["id"] for m in mailboxes["methodResponses"][0][1]["list"] if m["role"] == "drafts")
    create = {"mailboxIds": {drafts: True}, "subject": "x", "header:X-A:asRaw": raw}
    answers = _api(client, [["Email/set", {"accountId": alice.account_id, "create": {"d": create}}, "s"]])
    error = answers.json()["methodResponses"][0][1]["notCreated"]["d"]
    assert error["type"] == "invalidProperties" and error["properties"] == ["header:X-A:asRaw"]


def test_a_raw_header_with_ordinary_folding_is_kept(client: Any, alice: Any) -> None:
    mailboxes = _api(client, [["Mailbox/get", {"accountId": alice.account_id}, "m"]]).json()
    drafts = next(m["id"] for m in mailboxes["methodResponses"][0][1]["list"] if m["role"] == "drafts")
    create = {"mailboxIds": {drafts: True}, "subject": "x", "header:X-A:asRaw": " v\r\n w"}
    answers = _api(
        client,
        [
            ["Email/set", {"accountId": alice.account_id, "create": {"d": create}}, "s"],
            [
                "Email/get",
                {"accountId": alice.account_id, "ids": ["#d"], "properties": ["header:X-A:asRaw"]},
                "g",
            ],
        ],
    ).json()["methodResponses"]
    assert answers[1][1]["list"][0]["header:X-A:asRaw"] == " v\r\n w"
