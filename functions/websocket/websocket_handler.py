"""Lambda entry for the JMAP WebSocket API (RFC 8887) on API Gateway: its authorizer and three routes.

- the `$connect` authorizer signs the upgrade in (Basic, Bearer or a `websocket` URL token) and hands
  the grant to API Gateway as its context, which API Gateway passes to every later route;
- `$connect` records the connection and accepts the `jmap` subprotocol;
- `$default` answers each message (its route response is the message sent back);
- `$disconnect` forgets the connection.
All logic is in mailx.server.websocket, shared with the local runtime's WebSocket route.
"""

from __future__ import annotations

import base64
from typing import Any

from mailx.auth.authenticate import AuthFailed, AuthThrottled
from mailx.observe.lambda_log import function_logger, log_invocation
from mailx.protocol import websocket as wire
from mailx.server import websocket
from mailx.store import connections

logger = function_logger("mailx-websocket")


def _header(event: dict[str, Any], name: str) -> str | None:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name:
            return str(value)
    return None


def authorize(event: dict[str, Any]) -> dict[str, Any]:
    """The REQUEST authorizer of $connect: an Allow policy with the grant as context.

    Raising "Unauthorized" makes API Gateway answer 401; a throttled sign-in is denied (403).
    """
    query = event.get("queryStringParameters") or {}
    source = (event.get("requestContext") or {}).get("identity", {}).get("sourceIp")
    try:
        grant = websocket.authenticate_upgrade(
            _header(event, "authorization"), query.get("access_token"), source
        )
    except AuthFailed:
        raise Exception("Unauthorized") from None  # API Gateway answers 401 for exactly this
    except AuthThrottled:
        return _policy("throttled", "Deny", event["methodArn"], {})
    return _policy(grant.account_id, "Allow", event["methodArn"], grant.context())


def _policy(principal: str, effect: str, resource: str, context: dict[str, str]) -> dict[str, Any]:
    statement = {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}
    return {
        "principalId": principal,
        "policyDocument": {"Version": "2012-10-17", "Statement": [statement]},
        "context": context,
    }


def _route(event: dict[str, Any]) -> dict[str, Any]:
    request = event["requestContext"]
    grant = websocket.Grant.from_context(request.get("authorizer"))
    connection_id = str(request["connectionId"])
    route = request.get("routeKey")
    if grant is None:
        return {"statusCode": 401}
    if route == "$connect":
        if not wire.offered(_header(event, "sec-websocket-protocol")):
            return {"statusCode": 400, "body": 'the "jmap" subprotocol is required (RFC 8887)'}
        connections.open_connection(grant.account_id, connection_id)
        return {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": wire.SUBPROTOCOL}}
    if route == "$disconnect":
        connections.close(grant.account_id, connection_id)
        return {"statusCode": 200}
    body = event.get("body") or ""
    data = base64.b64decode(body) if event.get("isBase64Encoded") else str(body).encode()
    replies = websocket.handle_message(grant, connection_id, data)
    if not replies:
        return {"statusCode": 200}
    return {"statusCode": 200, "body": wire.encode(replies[0])}


@logger.inject_lambda_context(clear_state=True)
@log_invocation(logger)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """An authorizer event (it has `methodArn`) or a route event of the WebSocket API."""
    if event.get("type") == "REQUEST" and "methodArn" in event:
        return authorize(event)
    return _route(event)
