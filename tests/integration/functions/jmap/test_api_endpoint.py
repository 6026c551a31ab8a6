"""POST /jmap/api over HTTP (RFC 8620 §3): request-level problems, method errors, limits, auth."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers.auth import basic

AUTH = basic("alice", "correct horse battery")
CORE = "urn:ietf:params:jmap:core"


def _post(client: Any, body: Any, *, raw: bytes | None = None) -> Any:
    content = raw if raw is not None else json.dumps(body).encode()
    return client.post("/jmap/api", content=content, headers={**AUTH, "Content-Type": "application/json"})


@pytest.mark.parametrize(
    ("raw", "problem_type"),
    [
        (b"{not json", "urn:ietf:params:jmap:error:notJSON"),
        (b"\xff\xfe{}", "urn:ietf:params:jmap:error:notJSON"),
        (b"[]", "urn:ietf:params:jmap:error:notRequest"),
        (b'{"using": [], "methodCalls": {}}', "urn:ietf:params:jmap:error:notRequest"),
        (b'{"using": "core", "methodCalls": []}', "urn:ietf:params:jmap:error:notRequest"),
        (b'{"using": [], "methodCalls": [["Core/echo", {}]]}', "urn:ietf:params:jmap:error:notRequest"),
        (
            b'{"using": ["urn:example:nope"], "methodCalls": []}',
            "urn:ietf:params:jmap:error:unknownCapability",
        ),
    ],
)
def test_request_level_errors_are_problem_json(
    client: Any, alice: Any, raw: bytes, problem_type: str
) -> None:
    response = _post(client, None, raw=raw)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == problem_type and problem["status"] == 400 and problem["detail"]


def test_too_many_calls_is_limit_problem(client: Any, alice: Any) -> None:
    calls = [["Core/echo", {}, f"c{i}"] for i in range(33)]
    response = _post(client, {"using": [CORE], "methodCalls": calls})
    assert response.status_code == 400
    assert response.json()["type"] == "urn:ietf:params:jmap:error:limit"
    assert response.json()["limit"] == "maxCallsInRequest"


def test_too_large_request_is_limit_problem(client: Any, alice: Any) -> None:
    from mailx.limits import LIMITS

    padding = "x" * (LIMITS.max_size_request + 1)
    response = _post(client, {"using": [CORE], "methodCalls": [["Core/echo", {"p": padding}, "0"]]})
    assert response.status_code == 400
    assert response.json()["limit"] == "maxSizeRequest"


def test_echo_unknown_method_and_session_state(client: Any, alice: Any) -> None:
    response = _post(
        client,
        {
            "using": [CORE],
            "methodCalls": [
                ["Core/echo", {"hello": True, "list": [1, 2]}, "c1"],
                ["Nope/nothing", {}, "c2"],
                ["Core/echo", {"after": "error"}, "c3"],
            ],
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["methodResponses"] == [
        ["Core/echo", {"hello": True, "list": [1, 2]}, "c1"],
        ["error", body["methodResponses"][1][1], "c2"],
        ["Core/echo", {"after": "error"}, "c3"],
    ]
    assert body["methodResponses"][1][1]["type"] == "unknownMethod"
    session = client.get("/jmap/session", headers=AUTH).json()
    assert body["sessionState"] == session["state"]
    assert "createdIds" not in body


def test_created_ids_are_echoed_when_sent(client: Any, alice: Any) -> None:
    response = _post(
        client, {"using": [CORE], "methodCalls": [["Core/echo", {}, "0"]], "createdIds": {"k": "Mx"}}
    )
    assert response.json()["createdIds"] == {"k": "Mx"}


def test_account_not_found_for_other_accounts_id(client: Any, alice: Any, bob: Any) -> None:
    response = _post(
        client,
        {
            "using": [CORE, "urn:ietf:params:jmap:mail"],
            "methodCalls": [["Mailbox/get", {"accountId": bob.account_id, "ids": None}, "0"]],
        },
    )
    name, args, _ = response.json()["methodResponses"][0]
    assert name == "error" and args["type"] == "accountNotFound"
    assert "bob" not in json.dumps(args).lower()


def test_api_requires_credentials(client: Any, alice: Any) -> None:
    response = client.post("/jmap/api", json={"using": [CORE], "methodCalls": []})
    assert response.status_code == 401
    assert "www-authenticate" in response.headers


def test_server_fail_hides_the_exception(client: Any, alice: Any, monkeypatch: Any, caplog: Any) -> None:
    from mailx.methods.core import echo

    def explode(call: Any, args: Any) -> Any:
        raise RuntimeError("secret internal detail /etc/passwd")

    from mailx.protocol.registry import MethodSpec, Registry
    from mailx.server import method_table as registry_module

    broken = Registry()
    broken.register(MethodSpec("Core/echo", CORE, explode, needs_account=False))
    monkeypatch.setattr(registry_module, "registry", lambda: broken)
    monkeypatch.setattr("mailx.server.api.registry", lambda: broken)
    response = _post(client, {"using": [CORE], "methodCalls": [["Core/echo", {}, "x"]]})
    name, args, call_id = response.json()["methodResponses"][0]
    assert (name, args["type"], call_id) == ("error", "serverFail", "x")
    assert "secret" not in response.text
    assert "secret internal detail" in caplog.text
    assert echo  # the real module stays importable


def test_cors_preflight_and_headers(client: Any, alice: Any) -> None:
    preflight = client.options(
        "/jmap/api",
        headers={
            "Origin": "https://webmail.example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] in ("*", "https://webmail.example.org")
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    response = client.get("/jmap/session", headers={**AUTH, "Origin": "https://webmail.example.org"})
    assert response.headers["access-control-allow-origin"] in ("*", "https://webmail.example.org")
    assert "content-disposition" in response.headers["access-control-expose-headers"].lower()


def test_result_references_with_wildcards_over_http(client: Any, alice: Any) -> None:
    mail = [CORE, "urn:ietf:params:jmap:mail"]
    account = alice.account_id
    # Given a child mailbox "2026" under Archive, created with the parent's id taken by reference
    setup = _post(client, {"using": mail, "methodCalls": [
        ["Mailbox/query", {"accountId": account, "filter": {"role": "archive"}}, "q"],
        ["Mailbox/get", {"accountId": account, "properties": ["id"],
                         "#ids": {"resultOf": "q", "name": "Mailbox/query", "path": "/ids"}}, "g"],
    ]}).json()["methodResponses"]  # fmt: skip
    archive = setup[1][1]["list"][0]["id"]
    created = _post(client, {"using": mail, "methodCalls": [
        ["Mailbox/set", {"accountId": account, "create": {"c": {"name": "2026", "parentId": archive}}}, "s"],
    ]}).json()["methodResponses"][0][1]  # fmt: skip
    assert "c" in created["created"]
    # When one request chains query -> get -> get through references, two of them with `*`
    response = _post(client, {"using": mail, "methodCalls": [
        ["Mailbox/query", {"accountId": account, "filter": {"hasAnyRole": False, "name": "2026"}}, "0"],
        ["Mailbox/get", {"accountId": account, "properties": ["parentId"],
                         "#ids": {"resultOf": "0", "name": "Mailbox/query", "path": "/ids"}}, "1"],
        ["Mailbox/get", {"accountId": account, "properties": ["role"],
                         "#ids": {"resultOf": "1", "name": "Mailbox/get", "path": "/list/*/parentId"}}, "2"],
        ["Mailbox/get", {"accountId": account,
                         "#ids": {"resultOf": "1", "name": "Mailbox/get", "path": "/list/*/nope"}}, "3"],
    ]})  # fmt: skip
    # Then the wildcard reached the parent, and a bad path is invalidResultReference without breaking others
    responses = response.json()["methodResponses"]
    assert responses[2][1]["list"] == [{"id": archive, "role": "archive"}]
    assert responses[3][0] == "error" and responses[3][1]["type"] == "invalidResultReference"


def test_max_objects_in_get_is_enforced(client: Any, alice: Any) -> None:
    from mailx.limits import LIMITS

    ids = [f"M{i}" for i in range(LIMITS.max_objects_in_get + 1)]
    response = _post(
        client,
        {
            "using": [CORE, "urn:ietf:params:jmap:mail"],
            "methodCalls": [["Mailbox/get", {"accountId": alice.account_id, "ids": ids}, "0"]],
        },
    )
    [[name, args, _]] = response.json()["methodResponses"]
    assert (name, args["type"]) == ("error", "requestTooLarge")


def test_max_concurrent_requests_is_enforced_per_account(client: Any, alice: Any, monkeypatch: Any) -> None:
    import threading

    from mailx.limits import LIMITS
    from mailx.protocol.registry import MethodSpec, Registry

    # Given a method that holds its request open until released
    release, entered = threading.Event(), threading.Semaphore(0)

    def hold(call: Any, args: Any) -> Any:
        entered.release()
        release.wait(10)
        return {}

    slow = Registry()
    slow.register(MethodSpec("Core/echo", CORE, hold, needs_account=False))
    monkeypatch.setattr("mailx.server.api.registry", lambda: slow)
    body = {"using": [CORE], "methodCalls": [["Core/echo", {}, "0"]]}
    statuses: list[int] = []
    threads = [
        threading.Thread(target=lambda: statuses.append(_post(client, body).status_code))
        for _ in range(LIMITS.max_concurrent_requests)
    ]
    for t in threads:
        t.start()
    for _ in threads:
        assert entered.acquire(timeout=10)
    # When one more request arrives while the account's slots are full
    extra = _post(client, body)
    release.set()
    for t in threads:
        t.join()
    # Then it is refused with the limit named, and the others succeed
    assert extra.status_code == 400 and extra.json()["limit"] == "maxConcurrentRequests"
    assert statuses == [200] * LIMITS.max_concurrent_requests
