"""JMAP over WebSocket (RFC 8887): the connection's sign-in and every message, for Lambda and local alike.

The API Gateway handler (functions/websocket) and the local runtime's WebSocket route are thin: they
call `authenticate_upgrade` when a client connects, keep the resulting `Grant` with the connection
(API Gateway keeps it as the authorizer's context; the local route in memory), and hand every text
message to `handle_message`, sending back what it returns. A Request goes through the same
`server.api.handle` as POST /jmap/api.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mailx.auth import tokens, url_tokens
from mailx.auth.authenticate import AuthFailed, Principal, authenticate
from mailx.limits import MAX_SIZE_WEBSOCKET_MESSAGE
from mailx.protocol import websocket as wire
from mailx.protocol.errors import RequestError
from mailx.push.eventsource import (
    EventSourceParams,
    changed_types,
    decode_event_id,
    encode_event_id,
    resume_baseline,
)
from mailx.server import api
from mailx.store import accounts, connections, transactions
from mailx.store.errors import NotFound

logger = logging.getLogger("mailx.websocket")
_NO_TOKEN = "-"  # noqa: S105 - "no Bearer token", not a secret


@dataclass(frozen=True)
class Grant:
    """Who a connection speaks for, fixed at connect and checked again at every message.

    TAG is the account's credential tag when it connected: a password change revokes the connection,
    as it revokes Bearer and URL tokens. TOKEN_ID is the Bearer token it connected with (logging out
    ends it), None for Basic credentials.
    """

    account_id: str
    token_id: str | None
    tag: str

    def context(self) -> dict[str, str]:
        """The API Gateway authorizer context that carries the grant to later messages."""
        return {"accountId": self.account_id, "tokenId": self.token_id or _NO_TOKEN, "tag": self.tag}

    @classmethod
    def from_context(cls, context: Mapping[str, Any] | None) -> Grant | None:
        if not context:
            return None
        account_id, token_id, tag = context.get("accountId"), context.get("tokenId"), context.get("tag")
        if not (isinstance(account_id, str) and isinstance(token_id, str) and isinstance(tag, str)):
            return None
        return cls(account_id, None if token_id == _NO_TOKEN else token_id, tag)


def authenticate_upgrade(authorization: str | None, access_token: str | None, source: str | None) -> Grant:
    """Sign in a WebSocket upgrade: the Authorization header (Basic or Bearer) when present, else the
    `access_token` query parameter (a `websocket` URL token, for browsers). AuthFailed or
    AuthThrottled otherwise."""
    if authorization:
        principal = authenticate(authorization, source)
        token_id = principal.token.token_id if principal.token is not None else None
        account = principal.account
    elif access_token:
        try:
            access = url_tokens.verify(access_token, "websocket")
        except url_tokens.UrlTokenRefused as exc:
            raise AuthFailed(str(exc)) from None
        account, token_id = access.account, access.token_id
    else:
        raise AuthFailed("credentials are required")
    return Grant(
        account.account_id, token_id, tokens.credential_tag(account.account_id, account.password_hash)
    )


def principal_for(grant: Grant) -> Principal:
    """The connection's principal now; AuthFailed when the account, password or token changed since."""
    try:
        account = accounts.get(grant.account_id)
    except NotFound:
        raise AuthFailed("account gone") from None
    tag = tokens.credential_tag(account.account_id, account.password_hash)
    if account.disabled or not hmac.compare_digest(tag, grant.tag):
        raise AuthFailed("the credentials this connection was opened with are no longer valid")
    if grant.token_id is not None and not tokens.still_live(account.account_id, grant.token_id, tag):
        raise AuthFailed("the sign-in this connection was opened with has ended")
    return Principal(account, "websocket")


def _unauthorized(detail: str) -> RequestError:
    return RequestError("about:blank", f"Unauthorized: {detail}; open a new connection.", status=401)


def handle_message(grant: Grant, connection_id: str, data: bytes) -> list[dict[str, Any]]:
    """The messages to send back for one client message (none, one Response/RequestError, or a
    catch-up StateChange). Never raises for anything the client sent."""
    try:
        message = wire.parse_message(data, MAX_SIZE_WEBSOCKET_MESSAGE)
    except wire.FrameError as bad:
        return [wire.request_error(bad.error, bad.request_id)]
    request_id = message.request_id if isinstance(message, wire.ClientRequest) else None
    try:
        principal = principal_for(grant)
    except AuthFailed as exc:
        return [wire.request_error(_unauthorized(str(exc)), request_id)]
    if isinstance(message, wire.ClientRequest):
        return [_answer(principal, message)]
    try:
        if isinstance(message, wire.PushDisable):
            connections.set_push(grant.account_id, connection_id, False)
            return []
        connections.set_push(grant.account_id, connection_id, True, message.data_types)
    except NotFound:
        return [wire.request_error(_unauthorized("this connection is no longer registered"), None)]
    return _catch_up(grant.account_id, message)


def _answer(principal: Principal, message: wire.ClientRequest) -> dict[str, Any]:
    try:
        body = api.handle(principal, message.body)
    except RequestError as error:
        return wire.request_error(error, message.request_id)
    answer = wire.response(message.request_id, body)
    size = len(wire.encode(answer).encode())
    if size > MAX_SIZE_WEBSOCKET_MESSAGE:
        return wire.request_error(
            RequestError.limit_exceeded(
                "maxSizeWebSocketMessage",
                f"The response is {size} octets; a WebSocket message carries at most "
                f"{MAX_SIZE_WEBSOCKET_MESSAGE}. Ask for fewer objects or properties, or use /jmap/api.",
            ),
            message.request_id,
        )
    return answer


def _catch_up(account_id: str, enable: wire.PushEnable) -> list[dict[str, Any]]:
    """RFC 8887 §4.3.5.2: with a pushState, send at once what changed since it.

    A pushState that is malformed or another account's cannot be compared, so every wanted type is
    reported with its current state (the client then asks /changes for each); without one nothing is
    sent until the next change.
    """
    if enable.push_state is None:
        return []
    wanted = EventSourceParams(enable.data_types, close_after_state=False, ping=0)
    # Read after push was switched on, not taken from sign-in's read of the same item: a commit that
    # lands in between is then either in these states or pushed by the fan-out, never neither.
    current = transactions.get_states(account_id, consistent=True)
    last = decode_event_id(enable.push_state, account_id)
    if last is None:
        changed = {name: value for name, value in current.items() if wanted.wants(name)}
    else:
        changed = changed_types(resume_baseline(last, current), current, wanted)
    if not changed:
        return []
    return [wire.state_change(account_id, changed, encode_event_id(account_id, current))]
