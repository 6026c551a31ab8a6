"""The event source's link to the change feed where one runs in-process (the local runtime).

A streaming event-source connection polls the account item (mailx.push.stream); with the feed running
it sleeps until the feed says its account changed instead of a fixed poll interval, so a change reaches
it as soon as the feed sees it, and an idle connection reads nothing. The feed calls `sink` from its
own thread; waiters live on event loops, so each wake-up is handed to its loop thread-safely. Under
Lambda no feed runs in the process and nothing here is used (the buffered event source answers at once).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Sequence

from mailx.push.feed import StateChangeEvent

_lock = threading.Lock()
_waiters: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}
_running = threading.Event()


def set_running(running: bool) -> None:
    """Called by the in-process feed when it starts and stops."""
    if running:
        _running.set()
    else:
        _running.clear()


def running() -> bool:
    return _running.is_set()


def sink(events: Sequence[StateChangeEvent]) -> None:
    """The feed's sink: wake every connection waiting on one of these accounts."""
    for event in events:
        with _lock:
            waiting = list(_waiters.get(event.account_id, ()))
        for loop, flag in waiting:
            loop.call_soon_threadsafe(flag.set)


def sleeper(account_id: str, fallback_seconds: float) -> Callable[[float], Awaitable[bool]]:
    """A `sleep` for mailx.push.stream: returns when the account changes, or after the requested time
    (a ping falling due), and never later than FALLBACK_SECONDS (a safety net if the feed stalls).
    True when woken by a change: the stream then reads the states at once."""

    async def sleep(seconds: float) -> bool:
        loop = asyncio.get_running_loop()
        flag = asyncio.Event()
        entry = (loop, flag)
        with _lock:
            _waiters.setdefault(account_id, set()).add(entry)
        try:
            await asyncio.wait_for(flag.wait(), timeout=max(0.0, min(seconds, fallback_seconds)))
            return True
        except TimeoutError:
            return False
        finally:
            with _lock:
                entries = _waiters.get(account_id)
                if entries is not None:
                    entries.discard(entry)
                    if not entries:
                        del _waiters[account_id]

    return sleep
