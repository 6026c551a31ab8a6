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
    max_seconds: float  # buffered: 0 answers at once, with no poll
    ping: int  # the clamped interval actually used; 0: no pings
    retry_ms: int  # the reconnection delay suggested to the client


async def _never_disconnected() -> bool:
    return False


def _opening(
    account_id: str,
    params: EventSourceParams,
    policy: StreamPolicy,
    detector: ChangeDetector,
    current: Mapping[str, int],
) -> tuple[list[str], bool]:
    """The frames sent on connect, and whether the response ends with them (buffered without a wait)."""
    missed = detector.observe(current)
    if missed:
        state = state_frame(account_id, missed, detector.event_id(account_id))
        return [frame(retry=policy.retry_ms), state], params.close_after_state or policy.buffered
    frames = [frame(retry=policy.retry_ms, id_=detector.event_id(account_id))]
    if policy.buffered and policy.max_seconds <= 0:
        return frames + _quiet_end(policy), True
    return frames, False


def _quiet_end(policy: StreamPolicy) -> list[str]:
    """How a buffered response with no state event ends: with a ping when the client asked for pings."""
    return [ping_frame(policy.ping)] if policy.buffered and policy.ping else []


@dataclass(frozen=True)
class _Io:
    """Where a connection's time, states and client liveness come from (fakes in unit tests)."""

    read_states: ReadStates
    is_disconnected: Callable[[], Awaitable[bool]]
    clock: Callable[[], float]
    sleep: Callable[[float], Awaitable[object]]  # True: woken by the change feed, poll at once


async def state_events(
    account_id: str,
    params: EventSourceParams,
    policy: StreamPolicy,
    read_states: ReadStates,
    *,
    initial: Mapping[str, int] | None = None,
    last_event_id: str | None = None,
    is_disconnected: Callable[[], Awaitable[bool]] = _never_disconnected,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> AsyncIterator[str]:
    """Yield SSE frames until the connection should end.

    On connect: the `retry:` hint, then either the changes missed since Last-Event-ID as a `state`
    event, or an id-only block naming the current states (so that a reconnect can catch up). The
    states on connect are INITIAL when the caller has a strongly consistent copy already (sign-in reads
    the account item, which holds them), else one consistent read. Then one eventually consistent read
    per poll interval. The response ends after a state event when the client asked for
    `closeafter=state` or the mode is buffered, after the first ping when buffered (so it arrives on
    time), at the policy's time bound, or when the client goes away. A buffered response that ends
    without a state event ends with a ping if the client asked for pings: it is the only sign of life
    that response carries, and the next one comes only after the `retry:` delay.
    """
    start = clock()
    current = initial if initial is not None else await read_states(True)
    detector = ChangeDetector(resume_baseline(decode_event_id(last_event_id, account_id), current), params)
    opening, done = _opening(account_id, params, policy, detector, current)
    for chunk in opening:
        yield chunk
    if not done:
        io = _Io(read_states, is_disconnected, clock, sleep)
        async for chunk in _polls(account_id, params, policy, detector, io, start):
            yield chunk


async def _polls(
    account_id: str,
    params: EventSourceParams,
    policy: StreamPolicy,
    detector: ChangeDetector,
    io: _Io,
    start: float,
) -> AsyncIterator[str]:
    """After the opening: poll, ping and end as the policy says (see state_events)."""
    deadline = start + policy.max_seconds
    next_poll = start + policy.poll_seconds
    next_ping = start + policy.ping if policy.ping else math.inf
    while True:
        now = io.clock()
        wake = min(next_poll, next_ping, deadline)
        woken = False
        if wake > now:
            woken = await io.sleep(wake - now) is True
        if await io.is_disconnected():
            return
        now = io.clock()
        if now >= next_poll or woken:
            changed = detector.observe(await io.read_states(False))
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
            for chunk in _quiet_end(policy):
                yield chunk
            return
