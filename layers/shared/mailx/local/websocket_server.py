"""The local runtime's JMAP WebSocket endpoint (RFC 8887): a second uvicorn server on its own port.

On AWS an API Gateway WebSocket API holds the connections; here uvicorn serves the WebSocket route
that the local entry point hands in (functions/jmap/jmap_api/websocket_app.py), in a thread beside the
HTTP server, on a socket bound before settings are written so the session can advertise its URL.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any

from mailx.limits import MAX_SIZE_WEBSOCKET_MESSAGE
from mailx.local.workers import RuntimeInfo, WorkerFactory

PATH = "/jmap/ws"
# uvicorn closes the connection (1009) above this; below it, a message over the advertised limit is
# answered with a RequestError, as the protocol asks. API Gateway drops those itself (docs/push.md).
TRANSPORT_MAX_BYTES = 8 * MAX_SIZE_WEBSOCKET_MESSAGE


def bind(host: str, preferred: int | None) -> socket.socket:
    """A listening socket on PREFERRED, or on any free port when it is None, 0 or taken."""
    for port in ([preferred] if preferred else []) + [0]:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            sock.close()
            continue
        sock.listen(128)
        return sock
    raise OSError("no free port for the WebSocket endpoint")


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"ws://{host}:{port}{PATH}"


class WebSocketServer:
    """uvicorn serving APP on SOCK in a thread until stopped."""

    name = "websocket"

    def __init__(self, app: Any, sock: socket.socket) -> None:
        import uvicorn

        config = uvicorn.Config(
            app,
            log_level="warning",
            lifespan="off",
            ws_max_size=TRANSPORT_MAX_BYTES,
            ws_ping_interval=None,  # clients keep a connection alive themselves, as on API Gateway
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._sock = sock
        self._thread = threading.Thread(target=self._run, name="mailx-websocket", daemon=True)

    def _run(self) -> None:
        self._server.run(sockets=[self._sock])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        with contextlib.suppress(OSError):
            self._sock.close()


def factory_for(app: Any, sock: socket.socket) -> WorkerFactory:
    def build(info: RuntimeInfo) -> WebSocketServer:
        return WebSocketServer(app, sock)

    return build
