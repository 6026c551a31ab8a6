"""The WebSocket push path (RFC 8887 §4.3.5): StateChange messages to every listening connection.

The sink is the same on AWS and locally; only the poster differs: API Gateway's Management API
(`PostToConnection`) on AWS, the local runtime's open sockets locally. A connection the poster reports
gone (API Gateway's GoneException: the client left without $disconnect running) is forgotten.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from mailx import aws
from mailx.protocol.websocket import encode, state_change
from mailx.push.eventsource import encode_event_id
from mailx.push.feed import Sink, StateChangeEvent
from mailx.store import connections

logger = logging.getLogger("mailx.push.websocket")


class ConnectionGone(Exception):
    """The connection no longer exists (HTTP 410 from API Gateway, or a closed local socket)."""


# Sends one text message to one connection; raises ConnectionGone, or anything else for a fault.
Poster = Callable[[str, str], None]


def message_for(event: StateChangeEvent, connection: connections.Connection) -> str | None:
    """The StateChange text for CONNECTION, or None when no type it listens to moved."""
    changed = {name: event.states[name] for name in event.changed_types() if connection.wants(name)}
    if not changed:
        return None
    push_state = encode_event_id(event.account_id, event.states)
    return encode(state_change(event.account_id, changed, push_state))


def sink(poster: Poster) -> Sink:
    """A Sink posting each event to its own account's listening connections, and no other's."""

    def deliver(events: Sequence[StateChangeEvent]) -> None:
        for event in events:
            for connection in connections.listeners(event.account_id):
                text = message_for(event, connection)
                if text is None:
                    continue
                try:
                    poster(connection.connection_id, text)
                except ConnectionGone:
                    logger.info("connection %s is gone; forgetting it", connection.connection_id)
                    connections.close(connection.account_id, connection.connection_id)

    return deliver


def management_poster(endpoint_url: str) -> Poster:
    """PostToConnection through the WebSocket API's Management API at ENDPOINT_URL (https://.../stage)."""

    def post(connection_id: str, text: str) -> None:
        client = aws.management_api(endpoint_url)  # built on the first post, then cached
        try:
            client.post_to_connection(ConnectionId=connection_id, Data=text.encode())
        except client.exceptions.GoneException:
            raise ConnectionGone(connection_id) from None

    return post
