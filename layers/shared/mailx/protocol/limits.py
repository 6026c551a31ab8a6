"""RFC 8620 §2: the `urn:ietf:params:jmap:core` capability limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The collations protocol.collation implements (RFC 4790 identifiers).
DEFAULT_COLLATIONS: tuple[str, ...] = ("i;ascii-casemap", "i;octet", "i;unicode-casemap")


@dataclass(frozen=True)
class CoreLimits:
    """The eight core limits; the defaults are the RFC's suggested minimums."""

    max_size_upload: int = 50_000_000
    max_concurrent_upload: int = 4
    max_size_request: int = 10_000_000
    max_concurrent_requests: int = 4
    max_calls_in_request: int = 16
    max_objects_in_get: int = 500
    max_objects_in_set: int = 500
    collation_algorithms: tuple[str, ...] = DEFAULT_COLLATIONS
    # Not core properties (the server advertises them in its own capability): the JSON octets all
    # of a request's method responses may add up to, and one resolved result reference may reach.
    # None: unbounded.
    max_size_response: int | None = None
    max_size_reference: int | None = None

    def to_capability(self) -> dict[str, Any]:
        """The Session's core capability object, with the corrected wire spelling (errata §2.1)."""
        return {
            "maxSizeUpload": self.max_size_upload,
            "maxConcurrentUpload": self.max_concurrent_upload,
            "maxSizeRequest": self.max_size_request,
            "maxConcurrentRequests": self.max_concurrent_requests,
            "maxCallsInRequest": self.max_calls_in_request,
            "maxObjectsInGet": self.max_objects_in_get,
            "maxObjectsInSet": self.max_objects_in_set,
            "collationAlgorithms": list(self.collation_algorithms),
        }
