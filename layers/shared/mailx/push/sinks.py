"""The push paths every change-feed batch is handed to, in one list for the Lambda and the local feed.

Only the WebSocket poster differs between them (API Gateway's Management API on AWS, the local
runtime's open sockets locally). Another path (Web Push subscriptions, RFC 8620 §7.2) is one more
entry in the tuple below: any callable matching mailx.push.feed.Sink.
"""

from __future__ import annotations

from mailx.push import websocket_sink
from mailx.push.feed import Sink


def push_sinks(poster: websocket_sink.Poster) -> tuple[Sink, ...]:
    """Every push path, the WebSocket one posting through POSTER."""
    return (websocket_sink.sink(poster),)
