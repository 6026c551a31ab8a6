"""RFC 8887: JMAP over WebSocket, the message shapes (pure: no I/O).

A client sends text messages: a `Request` (RFC 8620 §3.3 plus `@type` and an optional `id`), a
`WebSocketPushEnable` or a `WebSocketPushDisable`. The server answers a Request with a `Response`
carrying `requestId`, or a `RequestError` (the RFC 7807 problem object of RFC 8620 §3.6.1 with
`@type` and `requestId`); it pushes `StateChange` objects with a `pushState` once push is enabled.
Anything unusable (not JSON, not an object, an unknown `@type`, too large) is a RequestError too: a
bad frame never closes the connection.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mailx.protocol.errors import RequestError
from mailx.protocol.request import parse_json

SUBPROTOCOL = "jmap"  # RFC 8887 §4.2: negotiated with Sec-WebSocket-Protocol
REQUEST = "Request"
PUSH_ENABLE = "WebSocketPushEnable"
PUSH_DISABLE = "WebSocketPushDisable"
KNOWN_TYPES = (REQUEST, PUSH_ENABLE, PUSH_DISABLE)


@dataclass(frozen=True)
class ClientRequest:
    """A JMAP Request; BODY is the message as received, for the same parser as /jmap/api."""

    request_id: str | None
    body: bytes


@dataclass(frozen=True)
class PushEnable:
    """RFC 8887 §4.3.5.2: start pushing; DATA_TYPES None means every type."""

    data_types: frozenset[str] | None
    push_state: str | None


@dataclass(frozen=True)
class PushDisable:
    """RFC 8887 §4.3.5.3: stop pushing."""


ClientMessage = ClientRequest | PushEnable | PushDisable


class FrameError(Exception):
    """A message that cannot be acted on; ERROR is answered as a RequestError with REQUEST_ID."""

    def __init__(self, error: RequestError, request_id: str | None = None) -> None:
        super().__init__(error.detail)
        self.error = error
        self.request_id = request_id


def offered(header: str | None) -> bool:
    """Whether a Sec-WebSocket-Protocol header offers `jmap` (a comma list, RFC 6455 §4.1)."""
    return SUBPROTOCOL in {token.strip() for token in (header or "").split(",")}


def _request_id(document: Mapping[str, Any]) -> str | None:
    value = document.get("id")
    return value if isinstance(value, str) else None


def parse_message(data: bytes, max_octets: int) -> ClientMessage:
    """Classify one client message; FrameError for anything that is not a usable message."""
    if len(data) > max_octets:
        raise FrameError(
            RequestError.limit_exceeded(
                "maxSizeRequest",
                f"The message is {len(data)} octets; at most {max_octets} are accepted over WebSocket.",
            )
        )
    try:
        document = parse_json(data)
    except RequestError as error:
        raise FrameError(error) from None
    if not isinstance(document, dict):
        raise FrameError(RequestError.not_request("A message must be a JSON object with an '@type'."))
    kind = document.get("@type")
    request_id = _request_id(document)
    if "id" in document and request_id is None:
        raise FrameError(RequestError.not_request("'id' must be a string."))
    if kind == REQUEST:
        return ClientRequest(request_id, data)
    if kind == PUSH_ENABLE:
        return _push_enable(document, request_id)
    if kind == PUSH_DISABLE:
        return PushDisable()
    shown = json.dumps(kind)[:80] if kind is not None else "none"
    raise FrameError(
        RequestError.not_request(f"Unknown '@type' {shown}; expected one of {', '.join(KNOWN_TYPES)}."),
        request_id,
    )


def _push_enable(document: Mapping[str, Any], request_id: str | None) -> PushEnable:
    types = document.get("dataTypes")
    if types is not None and (not isinstance(types, list) or not all(isinstance(t, str) for t in types)):
        raise FrameError(RequestError.not_request("'dataTypes' must be null or an array of type names."))
    state = document.get("pushState")
    if state is not None and not isinstance(state, str):
        raise FrameError(RequestError.not_request("'pushState' must be a string."))
    return PushEnable(None if types is None else frozenset(types), state)


def response(request_id: str | None, body: Mapping[str, Any]) -> dict[str, Any]:
    """The Response of a Request (RFC 8887 §4.3.3): the RFC 8620 Response with `@type`, `requestId`."""
    answer: dict[str, Any] = {"@type": "Response", **body}
    if request_id is not None:
        answer["requestId"] = request_id
    return answer


def request_error(error: RequestError, request_id: str | None) -> dict[str, Any]:
    """A RequestError (RFC 8887 §4.3.4): the problem object with `@type` and, when known, `requestId`."""
    answer: dict[str, Any] = {"@type": "RequestError", **error.to_problem()}
    if request_id is not None:
        answer["requestId"] = request_id
    return answer


def state_change(
    account_id: str, changed: Mapping[str, int], push_state: str | None = None
) -> dict[str, Any]:
    """RFC 8620 §7.1's StateChange for one account (a state string is the modseq in decimal), with
    RFC 8887 §4.3.5.1's `pushState` when given. Every push path (event source, Web Push) builds it here."""
    change: dict[str, Any] = {
        "@type": "StateChange",
        "changed": {account_id: {name: str(changed[name]) for name in sorted(changed)}},
    }
    if push_state is not None:
        change["pushState"] = push_state
    return change


def encode(message: Mapping[str, Any]) -> str:
    """The text frame for MESSAGE (compact JSON, as every JMAP response)."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)
