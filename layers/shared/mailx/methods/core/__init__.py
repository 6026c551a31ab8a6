"""RFC 8620 core-capability methods (Core/echo, Blob/copy, PushSubscription)."""
