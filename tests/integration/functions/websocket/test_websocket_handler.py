"""The WebSocket API's Lambda (RFC 8887) with real-shaped API Gateway events: the $connect authorizer,
$connect, $default and $disconnect, against moto."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers.api_events import FakeContext
from tests.helpers.auth import ALICE, basic
from tests.helpers.websocket_events import authorizer_event, connect_event, disconnect_event, message_event

JMAP = {"Sec-WebSocket-Protocol": "jmap"}
USING = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"]


def _handler() -> Any:
    import websocket_handler

    return websocket_handler.handler


def _authorize(headers: dict[str, str] | None = None, query: dict[str, str] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = _handler()(
        authorizer_event("conn-1", {**JMAP, **(headers or {})}, query), FakeContext()
    )
    return answer


def _connected(connection_id: str = "conn-1") -> dict[str, Any]:
    """Authorize and connect alice; the authorizer context API Gateway then passes on."""
    grant: dict[str, Any] = _authorize(ALICE)["context"]
    answer = _handler()(connect_event(connection_id, grant, JMAP), FakeContext())
    assert answer == {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": "jmap"}}
    return grant


def _send(grant: dict[str, Any], body: str, connection_id: str = "conn-1") -> dict[str, Any] | None:
    answer = _handler()(message_event(connection_id, grant, body), FakeContext())
    assert answer["statusCode"] == 200
    return json.loads(answer["body"]) if "body" in answer else None


def test_the_authorizer_allows_basic_bearer_and_the_url_token_and_refuses_the_rest(
    alice: Any, client: Any
) -> None:
    allowed = _authorize(ALICE)
    assert allowed["principalId"] == alice.account_id
    [statement] = allowed["policyDocument"]["Statement"]
    assert statement == {
        "Action": "execute-api:Invoke",
        "Effect": "Allow",
        "Resource": "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/jmap/$connect",
    }
    assert allowed["context"]["accountId"] == alice.account_id and allowed["context"]["tokenId"] == "-"
    login = client.post("/v0/auth/login", json={"username": "alice", "password": "correct horse battery"})
    token = login.json()["token"]
    bearer = _authorize({"Authorization": f"Bearer {token}"})
    assert bearer["principalId"] == alice.account_id and bearer["context"]["tokenId"] != "-"
    session = client.get("/jmap/session", headers=ALICE).json()
    url = session["capabilities"]["urn:ietf:params:jmap:websocket"]["url"]
    assert url.startswith("wss://") and "access_token=" in url
    by_url = _authorize(query={"access_token": url.split("access_token=", 1)[1]})
    assert by_url["principalId"] == alice.account_id
    for refused in ({}, basic("alice", "wrong password")):
        with pytest.raises(Exception, match=r"^Unauthorized$"):
            _authorize(refused)
    # A URL token for another purpose (the event source's) is refused too.
    other = session["eventSourceUrl"].split("access_token=", 1)[1]
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        _authorize(query={"access_token": other})


def test_connect_records_the_connection_and_requires_the_jmap_subprotocol(alice: Any) -> None:
    from mailx.store import connections

    grant = _authorize(ALICE)["context"]
    refused = _handler()(connect_event("conn-9", grant, {}), FakeContext())
    assert refused["statusCode"] == 400
    assert connections.get(alice.account_id, "conn-9") is None
    _connected("conn-1")
    recorded = connections.get(alice.account_id, "conn-1")
    assert recorded is not None and not recorded.push_enabled
    assert _handler()(connect_event("conn-2", None, JMAP), FakeContext()) == {"statusCode": 401}


def test_default_answers_requests_through_the_api_with_references(alice: Any) -> None:
    grant = _connected()
    request = {
        "@type": "Request",
        "id": "r1",
        "using": USING,
        "methodCalls": [
            ["Mailbox/query", {"accountId": alice.account_id, "filter": {"role": "inbox"}}, "q"],
            [
                "Mailbox/get",
                {
                    "accountId": alice.account_id,
                    "#ids": {"resultOf": "q", "name": "Mailbox/query", "path": "/ids"},
                    "properties": ["role"],
                },
                "g",
            ],
        ],
    }
    answer = _send(grant, json.dumps(request))
    assert answer is not None and answer["@type"] == "Response" and answer["requestId"] == "r1"
    assert [m["role"] for m in answer["methodResponses"][1][1]["list"]] == ["inbox"]
    bad = _send(grant, "{not json")
    assert bad == {
        "@type": "RequestError",
        "type": "urn:ietf:params:jmap:error:notJSON",
        "status": 400,
        "detail": bad["detail"] if bad else "",
    }
    unknown = _send(grant, '{"@type":"Ping","id":"p"}')
    assert unknown is not None and unknown["type"] == "urn:ietf:params:jmap:error:notRequest"
    assert unknown["requestId"] == "p"


def test_push_enable_catches_up_and_disable_stops(alice: Any, client: Any) -> None:
    from mailx.push.eventsource import encode_event_id
    from mailx.store import connections, transactions

    grant = _connected()
    before = transactions.get_states(alice.account_id)
    created = client.post(
        "/jmap/api",
        headers=ALICE,
        json={
            "using": USING,
            "methodCalls": [
                ["Mailbox/set", {"accountId": alice.account_id, "create": {"n": {"name": "New"}}}, "0"]
            ],
        },
    )
    assert created.status_code == 200
    pushed = _send(
        grant,
        json.dumps(
            {
                "@type": "WebSocketPushEnable",
                "dataTypes": ["Mailbox", "Email"],
                "pushState": encode_event_id(alice.account_id, before),
            }
        ),
    )
    after = transactions.get_states(alice.account_id)
    assert pushed == {
        "@type": "StateChange",
        "changed": {alice.account_id: {"Mailbox": str(after["Mailbox"])}},
        "pushState": encode_event_id(alice.account_id, after),
    }
    listening = connections.listeners(alice.account_id)
    assert [(c.connection_id, c.push_types) for c in listening] == [
        ("conn-1", frozenset({"Mailbox", "Email"}))
    ]
    assert _send(grant, '{"@type":"WebSocketPushDisable"}') is None
    assert connections.listeners(alice.account_id) == []


def test_a_password_change_ends_what_the_connection_may_do(alice: Any) -> None:
    from mailx.admin.accounts import update_account

    grant = _connected()
    update_account(alice.account_id, password="a brand new long password")
    answer = _send(grant, '{"@type":"Request","id":"x","using":[],"methodCalls":[]}')
    assert answer is not None and answer["@type"] == "RequestError" and answer["status"] == 401
    assert answer["requestId"] == "x"


def test_logging_the_bearer_token_out_ends_what_its_connection_may_do(alice: Any, client: Any) -> None:
    login = client.post("/v0/auth/login", json={"username": "alice", "password": "correct horse battery"})
    bearer = {"Authorization": f"Bearer {login.json()['token']}"}
    grant: dict[str, Any] = _authorize(bearer)["context"]
    assert _handler()(connect_event("conn-b", grant, JMAP), FakeContext())["statusCode"] == 200
    empty = '{"@type":"Request","id":"k","using":[],"methodCalls":[]}'
    answer = _send(grant, empty, "conn-b")
    assert answer is not None and answer["@type"] == "Response"
    assert client.post("/v0/auth/logout", headers=bearer).status_code == 200
    answer = _send(grant, empty, "conn-b")
    assert answer is not None and answer["@type"] == "RequestError" and answer["status"] == 401
    assert "has ended" in answer["detail"] and answer["requestId"] == "k"
    # A connection opened with Basic credentials is untouched by that logout.
    basic_grant = _connected()
    answer = _send(basic_grant, empty)
    assert answer is not None and answer["@type"] == "Response"


def test_a_response_over_the_message_limit_is_a_request_error(alice: Any) -> None:
    grant = _connected()
    big = "x" * 50_000  # the request stays well under 128 KB; three echoes of it do not
    ref = {"resultOf": "0", "name": "Core/echo", "path": "/a"}
    calls = [["Core/echo", {"a": big}, "0"], ["Core/echo", {"#a": ref}, "1"], ["Core/echo", {"#a": ref}, "2"]]
    request = {"@type": "Request", "id": "big", "using": ["urn:ietf:params:jmap:core"], "methodCalls": calls}
    answer = _send(grant, json.dumps(request))
    assert answer is not None and answer["@type"] == "RequestError", str(answer)[:200]
    assert answer["type"] == "urn:ietf:params:jmap:error:limit"
    assert (answer["limit"], answer["requestId"]) == ("maxSizeWebSocketMessage", "big")
    calls = calls[:2]  # two echoes fit
    answer = _send(grant, json.dumps({**request, "methodCalls": calls}))
    assert answer is not None and answer["@type"] == "Response" and len(answer["methodResponses"]) == 2


def test_a_throttled_sign_in_is_denied_not_allowed(alice: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from mailx.config import reset_settings

    monkeypatch.setenv("LOGIN_MAX_FAILURES_PER_ADDRESS", "2")
    reset_settings()
    for _ in range(2):
        with pytest.raises(Exception, match=r"^Unauthorized$"):
            _authorize(basic("alice", "wrong password"))
    denied = _authorize(basic("alice", "wrong password"))
    assert denied["principalId"] == "throttled" and denied["context"] == {}
    assert [s["Effect"] for s in denied["policyDocument"]["Statement"]] == ["Deny"]


def test_push_enable_on_a_connection_no_longer_recorded_is_a_401_request_error(alice: Any) -> None:
    from mailx.store import connections

    grant = _connected()
    connections.close(alice.account_id, "conn-1")  # as a GoneException or the TTL would
    answer = _send(grant, '{"@type":"WebSocketPushEnable","dataTypes":null}')
    assert answer is not None and answer["@type"] == "RequestError" and answer["status"] == 401
    assert "no longer registered" in answer["detail"]
    assert connections.listeners(alice.account_id) == []  # not recreated by the update


def test_disconnect_forgets_the_connection(alice: Any) -> None:
    from mailx.store import connections

    grant = _connected()
    assert _handler()(disconnect_event("conn-1", grant), FakeContext()) == {"statusCode": 200}
    assert connections.get(alice.account_id, "conn-1") is None
