"""JMAP over WebSocket (RFC 8887) against the live local runtime, with the `websockets` client.

The runtime serves the WebSocket on its own port and advertises it in the session; mail arrives through
`mailx deliver` (the SES ingest path), and its StateChange comes through the in-process change feed
(moto's stream of the accounts table), the same fan-out code the push Lambda runs.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from tests.helpers.e2e import Account, Runtime, create_account, deliver, message

WEBSOCKET = "urn:ietf:params:jmap:websocket"
USING = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"]
QUIET_SECONDS = 1.5  # how long "nothing arrives" is watched for


def _basic(account: Account) -> str:
    return "Basic " + base64.b64encode(f"{account.username}:{account.password}".encode()).decode()


def _session(runtime: Runtime, account: Account) -> dict[str, Any]:
    answer = httpx.get(runtime.session_url, headers={"Authorization": _basic(account)}, timeout=10)
    assert answer.status_code == 200
    session: dict[str, Any] = answer.json()
    return session


def _url(runtime: Runtime, account: Account) -> str:
    """The capability's URL without its access token (header-authenticated connections)."""
    url: str = _session(runtime, account)["capabilities"][WEBSOCKET]["url"]
    return url.split("?", 1)[0]


def _account_id(runtime: Runtime, account: Account) -> str:
    session = _session(runtime, account)
    found: str = session["primaryAccounts"]["urn:ietf:params:jmap:mail"]
    return found


async def _open(url: str, authorization: str | None = None) -> ClientConnection:
    headers = {"Authorization": authorization} if authorization else None
    return await connect(url, subprotocols=[Subprotocol("jmap")], additional_headers=headers)


async def _ask(socket: ClientConnection, frame: str) -> dict[str, Any]:
    await socket.send(frame)
    answer: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), 10))
    return answer


async def _settle(socket: ClientConnection, frame: str) -> None:
    """Send FRAME (which has no answer), then an echo: once the echo is answered, FRAME has been applied."""
    await socket.send(frame)
    echo = await _ask(socket, '{"@type":"Request","id":"sync","using":[],"methodCalls":[]}')
    assert echo["requestId"] == "sync"


async def _quiet(socket: ClientConnection) -> None:
    """Nothing arrives within QUIET_SECONDS."""
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(socket.recv(), QUIET_SECONDS)


def test_the_session_advertises_an_absolute_websocket_url_with_push(runtime: Runtime) -> None:
    account = create_account(runtime, "wscap")
    capability = _session(runtime, account)["capabilities"][WEBSOCKET]
    assert capability["supportsPush"] is True
    assert capability["url"].startswith("ws://127.0.0.1:")
    assert "access_token=mxu1." in capability["url"]  # for browsers, which cannot set headers
    assert (
        _session(runtime, account)["capabilities"]["urn:x-mailx:limits"]["maxSizeWebSocketMessage"] == 131072
    )


def test_each_auth_form_connects_and_none_is_refused(runtime: Runtime) -> None:
    account = create_account(runtime, "wsauth")
    tokenised = _session(runtime, account)["capabilities"][WEBSOCKET]["url"]
    bare = tokenised.split("?", 1)[0]
    echo = json.dumps(
        {"@type": "Request", "id": "e", "using": USING, "methodCalls": [["Core/echo", {"x": 1}, "0"]]}
    )

    async def run() -> None:
        for url, authorization in (
            (bare, _basic(account)),
            (bare, f"Bearer {account.token}"),
            (tokenised, None),
        ):
            socket = await _open(url, authorization)
            assert socket.subprotocol == "jmap"
            answer = await _ask(socket, echo)
            assert answer == {
                "@type": "Response",
                "requestId": "e",
                "methodResponses": [["Core/echo", {"x": 1}, "0"]],
                "sessionState": answer["sessionState"],
            }
            await socket.close()
        for url, authorization in ((bare, None), (bare, "Basic " + base64.b64encode(b"x:wrong").decode())):
            with pytest.raises(InvalidStatus) as refused:
                await _open(url, authorization)
            assert refused.value.response.status_code == 401
        with pytest.raises(InvalidStatus) as no_subprotocol:
            await connect(bare, additional_headers={"Authorization": _basic(account)})
        assert no_subprotocol.value.response.status_code == 400

    asyncio.run(run())


def test_requests_with_result_references_go_through_the_api(runtime: Runtime) -> None:
    account = create_account(runtime, "wsref")
    account_id = _account_id(runtime, account)
    request = {
        "@type": "Request",
        "id": "r1",
        "using": USING,
        "methodCalls": [
            ["Mailbox/query", {"accountId": account_id, "filter": {"role": "inbox"}}, "q"],
            [
                "Mailbox/get",
                {
                    "accountId": account_id,
                    "#ids": {"resultOf": "q", "name": "Mailbox/query", "path": "/ids"},
                    "properties": ["name", "role"],
                },
                "g",
            ],
        ],
    }

    async def run() -> None:
        socket = await _open(_url(runtime, account), _basic(account))
        answer = await _ask(socket, json.dumps(request))
        assert answer["@type"] == "Response" and answer["requestId"] == "r1"
        [query, got] = answer["methodResponses"]
        assert query[0] == "Mailbox/query" and len(query[1]["ids"]) == 1
        assert got[0] == "Mailbox/get"
        assert [(m["name"], m["role"]) for m in got[1]["list"]] == [("Inbox", "inbox")]
        await socket.close()

    asyncio.run(run())


def test_bad_frames_are_answered_with_request_errors_and_the_connection_stays(runtime: Runtime) -> None:
    account = create_account(runtime, "wsbad")

    async def run() -> None:
        socket = await _open(_url(runtime, account), _basic(account))
        not_json = await _ask(socket, "this is not JSON")
        assert not_json["@type"] == "RequestError"
        assert not_json["type"] == "urn:ietf:params:jmap:error:notJSON" and not_json["status"] == 400
        unknown = await _ask(socket, '{"@type":"Teapot","id":"t1"}')
        assert unknown["@type"] == "RequestError" and unknown["requestId"] == "t1"
        assert unknown["type"] == "urn:ietf:params:jmap:error:notRequest"
        oversized = '{"@type":"Request","id":"big","using":[],"methodCalls":[],"pad":"' + "x" * 140_000 + '"}'
        too_big = await _ask(socket, oversized)
        assert too_big["@type"] == "RequestError" and too_big["type"] == "urn:ietf:params:jmap:error:limit"
        assert too_big["limit"] == "maxSizeRequest"
        bad_request = await _ask(
            socket, '{"@type":"Request","id":"r","using":["urn:x:nope"],"methodCalls":[]}'
        )
        assert bad_request["type"] == "urn:ietf:params:jmap:error:unknownCapability"
        assert bad_request["requestId"] == "r"
        after = await _ask(socket, '{"@type":"Request","id":"b","using":[],"methodCalls":[]}')
        assert after["@type"] == "Response" and after["methodResponses"] == []  # still answering
        await socket.close()

    asyncio.run(run())


def test_push_enable_catch_up_state_change_after_delivery_and_disable(
    runtime: Runtime, tmp_path: Path
) -> None:
    account = create_account(runtime, "wspush")
    account_id = _account_id(runtime, account)

    async def run() -> None:
        socket = await _open(_url(runtime, account), _basic(account))
        # A pushState that cannot be compared reports every type with its current state, and a pushState.
        first = await _ask(socket, '{"@type":"WebSocketPushEnable","dataTypes":null,"pushState":"nonsense"}')
        assert first["@type"] == "StateChange" and set(first["changed"]) == {account_id}
        push_state = first["pushState"]
        # Mail arrives through the ingest path: its StateChange is pushed by the change feed.
        await asyncio.to_thread(
            deliver, runtime, account.address, message(account.address, "hi", "one\n"), tmp=tmp_path
        )
        change = json.loads(await asyncio.wait_for(socket.recv(), 10))
        assert change["@type"] == "StateChange"
        moved = change["changed"][account_id]
        assert {"Email", "EmailDelivery", "Thread", "Mailbox"} <= set(moved)
        assert int(moved["Email"]) > int(first["changed"][account_id]["Email"])
        latest = change["pushState"]
        # Disabled: a second delivery pushes nothing.
        await _settle(socket, '{"@type":"WebSocketPushDisable"}')
        await asyncio.to_thread(
            deliver, runtime, account.address, message(account.address, "two", "2\n"), tmp=tmp_path
        )
        await _quiet(socket)
        await socket.close()
        # A new connection enabling push with the last pushState it saw gets what it missed at once,
        # and only the types it asks for.
        again = await _open(_url(runtime, account), _basic(account))
        caught = await _ask(
            again, json.dumps({"@type": "WebSocketPushEnable", "dataTypes": ["Email"], "pushState": latest})
        )
        assert caught["@type"] == "StateChange" and list(caught["changed"][account_id]) == ["Email"]
        assert int(caught["changed"][account_id]["Email"]) > int(moved["Email"])
        # A pushState naming the current states sends nothing.
        await _settle(again, json.dumps({"@type": "WebSocketPushEnable", "pushState": caught["pushState"]}))
        await _quiet(again)
        await again.close()
        assert push_state != latest

    asyncio.run(run())


def test_no_connection_sees_another_accounts_changes(runtime: Runtime, tmp_path: Path) -> None:
    ann, ben = create_account(runtime, "wsann"), create_account(runtime, "wsben")
    ann_id = _account_id(runtime, ann)

    async def run() -> None:
        ann_socket = await _open(_url(runtime, ann), _basic(ann))
        ben_socket = await _open(_url(runtime, ben), _basic(ben))
        for socket in (ann_socket, ben_socket):
            await _settle(socket, '{"@type":"WebSocketPushEnable","dataTypes":null}')
        await asyncio.to_thread(
            deliver, runtime, ann.address, message(ann.address, "for ann", "x\n"), tmp=tmp_path
        )
        change = json.loads(await asyncio.wait_for(ann_socket.recv(), 10))
        assert list(change["changed"]) == [ann_id]
        await _quiet(ben_socket)
        for socket in (ann_socket, ben_socket):
            await socket.close()

    asyncio.run(run())


def test_a_streaming_event_source_is_woken_by_the_change_feed(runtime: Runtime, tmp_path: Path) -> None:
    # With the feed running, a streaming event source polls only every 30 s as a safety net; a state
    # event within a few seconds of a delivery shows the feed woke it.
    account = create_account(runtime, "wses")
    url = f"{runtime.base}/jmap/eventsource?types=*&closeafter=state&ping=0"
    with httpx.stream("GET", url, headers={"Authorization": _basic(account)}, timeout=20) as response:
        lines = response.iter_lines()
        assert next(lines).startswith("retry:")
        started = time.monotonic()
        deliver(runtime, account.address, message(account.address, "evt", "x\n"), tmp=tmp_path)
        events = [line for line in lines if line.startswith("event:")]
    assert events == ["event: state"]
    assert time.monotonic() - started < 10
