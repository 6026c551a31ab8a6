"""The local runtime's open WebSocket connections, so the in-process change feed can post to them.

It plays API Gateway's part: the WebSocket route registers each accepted socket under its connection
id, and `post` (the local poster of mailx.push.websocket_sink) sends a message from the feed's thread
on the socket's own event loop. A connection that is not registered, or whose send fails, is gone.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from mailx.push.websocket_sink import ConnectionGone

POST_TIMEOUT_SECONDS = 5.0

Send = Callable[[str], Awaitable[None]]


@dataclass
class _Socket:
    send: Send
    loop: asyncio.AbstractEventLoop
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Hub:
    """Open sockets by connection id; one message at a time per socket (replies and pushes interleave)."""

    def __init__(self) -> None:
        self._sockets: dict[str, _Socket] = {}
        self._lock = threading.Lock()

    def register(self, connection_id: str, send: Send) -> None:
        """Called on the socket's event loop once it is accepted."""
        with self._lock:
            self._sockets[connection_id] = _Socket(send, asyncio.get_running_loop())

    def unregister(self, connection_id: str) -> None:
        with self._lock:
            self._sockets.pop(connection_id, None)

    async def send(self, connection_id: str, text: str) -> None:
        """Send on the socket's loop (the route's replies); ConnectionGone when it is not open."""
        with self._lock:
            socket = self._sockets.get(connection_id)
        if socket is None:
            raise ConnectionGone(connection_id)
        async with socket.lock:
            await socket.send(text)

    def post(self, connection_id: str, text: str) -> None:
        """The local poster: send from another thread, waiting until it is written."""
        with self._lock:
            socket = self._sockets.get(connection_id)
        if socket is None:
            raise ConnectionGone(connection_id)
        future = asyncio.run_coroutine_threadsafe(self.send(connection_id, text), socket.loop)
        try:
            future.result(timeout=POST_TIMEOUT_SECONDS)
        except ConnectionGone:
            raise
        except Exception as exc:  # the socket closed under us, or its loop has stopped
            future.cancel()
            raise ConnectionGone(connection_id) from exc


HUB = Hub()
