"""RFC 8620 §7.3: the event-source loop, polling the account's states and yielding SSE frames.

Storage, the clock and the disconnect check are passed in, so the loop tests without AWS or HTTP.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass

from mailx.push.eventsource import (
    ChangeDetector,
    EventSourceParams,
    decode_event_id,
    frame,
    ping_frame,
    resume_baseline,
    state_frame,
)

ReadStates = Callable[[bool], Awaitable[Mapping[str, int]]]  # argument: consistent read?


@dataclass(frozen=True)
class StreamPolicy:
    """How one connection behaves: the mode, the poll interval, the bound on its life, the pings."""

    buffered: bool  # end at the first event or at max_seconds (Lambda cannot stream)
    poll_seconds: float
    max_seconds: float
    ping: int  # the clamped interval actually used; 0: no pings
    retry_ms: int  # the reconnection delay suggested to the client


async def _never_disconnected() -> bool:
    return False


async def state_events(
    account_id: str,
    params: EventSourceParams,
    policy: StreamPolicy,
    read_states: ReadStates,
    *,
    last_event_id: str | None = None,
    is_disconnected: Callable[[], Awaitable[bool]] = _never_disconnected,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> AsyncIterator[str]:
    """Yield SSE frames until the connection should end.

    On connect: the `retry:` hint, then either the changes missed since Last-Event-ID as a `state`
    event, or an id-only block naming the current states (so that a reconnect can catch up). Then one
    eventually consistent read per poll interval. The response ends after a state event when the
    client asked for `closeafter=state` or the mode is buffered, after the first ping when buffered
    (so it arrives on time), at the policy's time bound, or when the client goes away.
    """
    start = clock()
    current = await read_states(True)
    detector = ChangeDetector(resume_baseline(decode_event_id(last_event_id, account_id), current), params)
    missed = detector.observe(current)
    if missed:
        yield frame(retry=policy.retry_ms)
        yield state_frame(account_id, missed, detector.event_id(account_id))
        if params.close_after_state or policy.buffered:
            return
    else:
        yield frame(retry=policy.retry_ms, id_=detector.event_id(account_id))

    deadline = start + policy.max_seconds
    next_poll = start + policy.poll_seconds
    next_ping = start + policy.ping if policy.ping else math.inf
    while True:
        now = clock()
        wake = min(next_poll, next_ping, deadline)
        if wake > now:
            await sleep(wake - now)
        if await is_disconnected():
            return
        now = clock()
        if now >= next_poll:
            changed = detector.observe(await read_states(False))
            next_poll = now + policy.poll_seconds
            if changed:
                yield state_frame(account_id, changed, detector.event_id(account_id))
                if params.close_after_state or policy.buffered:
                    return
                next_ping = now + policy.ping if policy.ping else math.inf
        if now >= next_ping:
            yield ping_frame(policy.ping)
            if policy.buffered:
                return
            next_ping = now + policy.ping
        if now >= deadline:
            return
