"""Push (RFC 8620 §7, RFC 8887): the change feed, its sinks (WebSocket, Web Push) and the event source."""
