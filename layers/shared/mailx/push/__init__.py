"""Push (RFC 8620 §7): the event-source resource; PushSubscription and WebSocket push are not built."""
