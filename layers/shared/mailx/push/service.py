"""RFC 8620 §7.3 wiring: choose the event-source mode from settings and read states from the store."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Mapping

from mailx.config import Settings
from mailx.push import wakeups
from mailx.push.eventsource import EventSourceParams, clamp_ping
from mailx.push.stream import StreamPolicy
from mailx.store import transactions
from mailx.store.config_store import effective_settings

# A streaming connection still ends now and then, so credentials are checked again on reconnect and
# a server shutdown is not held up forever; EventSource clients reconnect with Last-Event-ID.
STREAM_LIFETIME_SECONDS = 900
RETRY_STREAMING_MS = 5000
# Buffered mode: a response must end before the function's 29 s timeout (API Gateway stops at 30 s)
# with time left for sign-in and the first read; a reconnect sooner than a second would let one client
# keep a Lambda instance busy answering it.
MAX_WAIT_CAP_SECONDS = 25
MIN_RETRY_SECONDS = 1
# With the change feed running in-process (the local runtime), a streaming connection reads the states
# when the feed wakes it; this slow poll is only a safety net should the feed stall.
FEED_FALLBACK_POLL_SECONDS = 30.0


def is_buffered(settings: Settings, environ: Mapping[str, str] | None = None) -> bool:
    """Buffered under Lambda (Python Lambdas cannot stream), streaming elsewhere, unless a setting says."""
    mode = settings.eventsource_mode.strip().lower()
    if mode in ("buffered", "streaming"):
        return mode == "buffered"
    env = os.environ if environ is None else environ
    return bool(env.get("AWS_LAMBDA_FUNCTION_NAME"))


def policy_for(params: EventSourceParams, settings: Settings | None = None) -> StreamPolicy:
    """The policy of one connection from the effective settings (may read the config table)."""
    settings = settings or effective_settings()
    buffered = is_buffered(settings)
    if buffered:
        max_seconds = min(settings.eventsource_max_wait_seconds, MAX_WAIT_CAP_SECONDS)
        retry_ms = max(settings.eventsource_retry_seconds, MIN_RETRY_SECONDS) * 1000
    else:
        max_seconds, retry_ms = STREAM_LIFETIME_SECONDS, RETRY_STREAMING_MS
    poll_seconds = max(settings.eventsource_poll_ms, 50) / 1000
    if not buffered and wakeups.running():
        poll_seconds = FEED_FALLBACK_POLL_SECONDS
    return StreamPolicy(
        buffered=buffered,
        poll_seconds=poll_seconds,
        max_seconds=max_seconds,
        ping=clamp_ping(params.ping, settings.eventsource_min_ping_seconds),
        retry_ms=retry_ms,
    )


def sleeper(account_id: str, policy: StreamPolicy) -> Callable[[float], Awaitable[object]]:
    """How a streaming connection waits: woken by the in-process change feed when one runs, else a timer."""
    if policy.buffered or not wakeups.running():
        return asyncio.sleep
    return wakeups.sleeper(account_id, FEED_FALLBACK_POLL_SECONDS)


def reader(account_id: str) -> Callable[[bool], Awaitable[Mapping[str, int]]]:
    """An async reader of the account's states: one GetItem of the account item per call."""

    async def read(consistent: bool) -> Mapping[str, int]:
        return await asyncio.to_thread(transactions.get_states, account_id, consistent=consistent)

    return read
