"""The local runtime's JMAP WebSocket endpoint (RFC 8887), served on its own port: transport only.

API Gateway's WebSocket API plays this part on AWS (functions/websocket/websocket_handler.py); both
sign the upgrade in and answer every message with mailx.server.websocket, and pushes reach this
socket through the local change feed's hub (mailx.local.websocket_hub).
"""

from __future__ import annotations

import secrets

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from mailx.auth.authenticate import AuthFailed, AuthThrottled
from mailx.local.websocket_hub import HUB
from mailx.local.websocket_server import PATH
from mailx.protocol import websocket as wire
from mailx.push.websocket_sink import ConnectionGone
from mailx.server import websocket
from mailx.store import connections

REALM = 'Basic realm="mailx", Bearer realm="mailx"'


async def _refuse(socket: WebSocket, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    """Answer the upgrade with an HTTP error (problem JSON) instead of switching protocols."""
    body = {"type": "about:blank", "status": status, "detail": detail}
    response = JSONResponse(body, status_code=status, headers=headers, media_type="application/problem+json")
    if "websocket.http.response" in socket.scope.get("extensions", {}):
        await socket.send_denial_response(response)
    else:
        await socket.close(code=1008, reason=detail[:120])


async def jmap_socket(socket: WebSocket) -> None:
    if not wire.offered(socket.headers.get("sec-websocket-protocol")):
        await _refuse(socket, 400, 'the "jmap" subprotocol is required (RFC 8887)')
        return
    source = socket.client.host if socket.client else None
    try:
        grant = await run_in_threadpool(
            websocket.authenticate_upgrade,
            socket.headers.get("authorization"),
            socket.query_params.get("access_token"),
            source,
        )
    except AuthThrottled as exc:
        await _refuse(socket, 429, "too many failed sign-ins", {"Retry-After": str(exc.retry_after)})
        return
    except AuthFailed as exc:
        await _refuse(socket, 401, str(exc), {"WWW-Authenticate": REALM})
        return
    connection_id = secrets.token_urlsafe(12)
    await run_in_threadpool(connections.open_connection, grant.account_id, connection_id)
    await socket.accept(subprotocol=wire.SUBPROTOCOL)
    HUB.register(connection_id, socket.send_text)
    try:
        while True:
            message = await socket.receive()
            if message["type"] == "websocket.disconnect":
                break
            data = message.get("bytes") or (message.get("text") or "").encode()
            replies = await run_in_threadpool(websocket.handle_message, grant, connection_id, data)
            for reply in replies:
                await HUB.send(connection_id, wire.encode(reply))
    except (WebSocketDisconnect, ConnectionGone):
        pass
    finally:
        HUB.unregister(connection_id)
        await run_in_threadpool(connections.close, grant.account_id, connection_id)


websocket_app = Starlette(routes=[WebSocketRoute(PATH, jmap_socket)])
