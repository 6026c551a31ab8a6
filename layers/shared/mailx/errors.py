"""Errors every layer may raise and the protocol layer knows how to answer, kept below them all.

Storage and mail code raise `Unavailable` subclasses without knowing JMAP; the dispatcher answers them
with `serverUnavailable` (RFC 8620 §3.6.2) and the HTTP layer with 503, so no lower layer imports a
wire error of `protocol/`.
"""

from __future__ import annotations


class Unavailable(Exception):
    """Something the call needs is temporarily unavailable (e.g. throttled after every retry).

    The same call may succeed after a backoff, so it is never answered as serverFail.
    """
