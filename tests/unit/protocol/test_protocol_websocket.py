"""RFC 8887 message shapes: classifying client messages, and the Response, RequestError and StateChange."""

from __future__ import annotations

import pytest

from mailx.protocol import websocket as wire
from mailx.protocol.errors import RequestError

LIMIT = 1000


def _error(data: bytes) -> tuple[dict[str, object], str | None]:
    with pytest.raises(wire.FrameError) as caught:
        wire.parse_message(data, LIMIT)
    return caught.value.error.to_problem(), caught.value.request_id


def test_a_request_keeps_its_id_and_its_bytes_for_the_api_parser() -> None:
    data = b'{"@type":"Request","id":"r1","using":[],"methodCalls":[]}'
    assert wire.parse_message(data, LIMIT) == wire.ClientRequest("r1", data)
    assert wire.parse_message(b'{"@type":"Request","using":[],"methodCalls":[]}', LIMIT).request_id is None  # type: ignore[union-attr]


def test_push_enable_and_disable() -> None:
    enable = wire.parse_message(
        b'{"@type":"WebSocketPushEnable","dataTypes":["Email"],"pushState":"s"}', LIMIT
    )
    assert enable == wire.PushEnable(frozenset({"Email"}), "s")
    assert wire.parse_message(b'{"@type":"WebSocketPushEnable","dataTypes":null}', LIMIT) == wire.PushEnable(
        None, None
    )
    assert wire.parse_message(b'{"@type":"WebSocketPushDisable"}', LIMIT) == wire.PushDisable()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"not json", "urn:ietf:params:jmap:error:notJSON"),
        (b"\xff\xfe", "urn:ietf:params:jmap:error:notJSON"),
        (b"[1,2]", "urn:ietf:params:jmap:error:notRequest"),
        (b'{"using":[],"methodCalls":[]}', "urn:ietf:params:jmap:error:notRequest"),
        (b'{"@type":"Teapot"}', "urn:ietf:params:jmap:error:notRequest"),
        (b'{"@type":"Request","id":7}', "urn:ietf:params:jmap:error:notRequest"),
        (b'{"@type":"WebSocketPushEnable","dataTypes":"Email"}', "urn:ietf:params:jmap:error:notRequest"),
        (b'{"@type":"WebSocketPushEnable","pushState":3}', "urn:ietf:params:jmap:error:notRequest"),
        (b'{"@type":"Request","pad":"' + b"x" * LIMIT + b'"}', "urn:ietf:params:jmap:error:limit"),
    ],
)
def test_unusable_messages_are_request_errors(data: bytes, kind: str) -> None:
    problem, _ = _error(data)
    assert problem["type"] == kind and problem["status"] == 400


def test_an_unknown_type_names_the_request_id_it_carried() -> None:
    assert _error(b'{"@type":"Ping","id":"p1"}')[1] == "p1"


def test_the_answers_carry_type_and_request_id() -> None:
    assert wire.response("r", {"methodResponses": [], "sessionState": "s"}) == {
        "@type": "Response",
        "methodResponses": [],
        "sessionState": "s",
        "requestId": "r",
    }
    problem = wire.request_error(RequestError.limit_exceeded("maxSizeRequest", "too big"), None)
    assert problem == {
        "@type": "RequestError",
        "type": "urn:ietf:params:jmap:error:limit",
        "status": 400,
        "detail": "too big",
        "limit": "maxSizeRequest",
    }
    change = wire.state_change("A1", {"Mailbox": 3, "Email": 12}, "A1:Email=12,Mailbox=3")
    assert wire.encode(change) == (
        '{"@type":"StateChange","changed":{"A1":{"Email":"12","Mailbox":"3"}},"pushState":"A1:Email=12,Mailbox=3"}'
    )


def test_the_subprotocol_offer_is_a_token_list() -> None:
    assert (
        wire.offered("jmap")
        and wire.offered("chat, jmap")
        and not wire.offered("jmapx")
        and not wire.offered(None)
    )
