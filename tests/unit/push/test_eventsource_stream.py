"""RFC 8620 §7.3 event-source loop on a fake clock: when it polls, pings, sends state and ends."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from mailx.push.eventsource import parse_params
from mailx.push.stream import StreamPolicy, state_events


class World:
    """A fake clock, a scripted store (state changes at given times) and a record of every read."""

    def __init__(self, states: dict[str, int], changes: list[tuple[float, str, int]] | None = None):
        self.now = 0.0
        self.states = dict(states)
        self.changes = sorted(changes or [])
        self.reads: list[tuple[float, bool]] = []
        self.gone_at: float | None = None

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds

    async def read(self, consistent: bool) -> Mapping[str, int]:
        self.reads.append((self.now, consistent))
        while self.changes and self.changes[0][0] <= self.now:
            _, name, value = self.changes.pop(0)
            self.states[name] = value
        return dict(self.states)

    async def disconnected(self) -> bool:
        return self.gone_at is not None and self.now >= self.gone_at


def policy(*, buffered: bool = False, ping: int = 0, max_seconds: float = 900) -> StreamPolicy:
    return StreamPolicy(buffered=buffered, poll_seconds=1.0, max_seconds=max_seconds, ping=ping, retry_ms=500)


def run(
    world: World,
    query: tuple[str, str, str],
    pol: StreamPolicy,
    last_event_id: str | None = None,
    initial: dict[str, int] | None = None,
) -> list[tuple[float, str]]:
    async def collect() -> list[tuple[float, str]]:
        out = []
        async for chunk in state_events(
            "A1",
            parse_params(*query),
            pol,
            world.read,
            initial=initial,
            last_event_id=last_event_id,
            is_disconnected=world.disconnected,
            clock=world.clock,
            sleep=world.sleep,
        ):
            out.append((world.now, chunk))
        return out

    # Not asyncio.run: it leaves the main thread's event loop unset, which breaks a Mangum adapter
    # built earlier in the same process (its later get_event_loop() raises), e.g. by the bench smoke.
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(asyncio.wait_for(collect(), timeout=5))
    finally:
        loop.close()


def test_connect_sends_retry_and_current_id_then_the_first_change_and_ends_with_closeafter_state() -> None:
    # Given an account whose Email state moves at t=2.5 and Mailbox at t=3.5
    world = World({"Email": 1, "Mailbox": 1}, [(2.5, "Email", 2), (3.5, "Mailbox", 2)])
    # When a client connects with closeafter=state
    frames = run(world, ("*", "state", "0"), policy())
    # Then it gets the id of the current state at once, and the Email change at the next poll (t=3)
    assert frames == [
        (0.0, "retry: 500\nid: A1:Email=1,Mailbox=1\n\n"),
        (
            3.0,
            "event: state\n"
            "id: A1:Email=2,Mailbox=1\n"
            'data: {"@type":"StateChange","changed":{"A1":{"Email":"2"}}}\n\n',
        ),
    ]
    # and it read consistently once on connect, then eventually consistent once a second
    assert world.reads == [(0.0, True), (1.0, False), (2.0, False), (3.0, False)]


def test_untouched_and_unwanted_types_are_not_pushed() -> None:
    world = World({"Email": 1, "Mailbox": 1}, [(1.5, "Mailbox", 2), (2.5, "Email", 2)])
    frames = run(world, ("Email", "state", "0"), policy())
    # the Mailbox change at t=2 is not pushed to a client that asked for Email only
    assert frames[-1][0] == 3.0
    assert '"changed":{"A1":{"Email":"2"}}' in frames[-1][1]
    assert "id: A1:Email=2,Mailbox=2" in frames[-1][1]


def test_streaming_keeps_going_with_pings_and_resets_the_ping_timer_after_state() -> None:
    world = World({"Email": 1}, [(3.5, "Email", 2)])
    world.gone_at = 9.5
    frames = run(world, ("*", "no", "2"), policy(ping=2))
    events = [(t, chunk.split("\n")[0]) for t, chunk in frames]
    assert events == [
        (0.0, "retry: 500"),
        (2.0, "event: ping"),
        (4.0, "event: state"),  # pushed at the poll after the change; the ping due at 4 is not sent
        (6.0, "event: ping"),  # two seconds after the previous event, not after the previous ping
        (8.0, "event: ping"),
    ]
    assert frames[1][1] == 'event: ping\ndata: {"interval":2}\n\n'
    # and once the client went away (t=9.5) the loop stopped at the next wake-up, without reading
    assert world.reads[-1][0] == 9.0


def test_no_pings_when_ping_is_zero() -> None:
    world = World({"Email": 1})
    world.gone_at = 20
    assert [chunk for _, chunk in run(world, ("*", "no", "0"), policy())][1:] == []


def test_buffered_mode_waits_for_the_bound_and_ends_with_nothing_when_nothing_changes() -> None:
    world = World({"Email": 1})
    frames = run(world, ("*", "no", "0"), policy(buffered=True, max_seconds=25))
    assert frames == [(0.0, "retry: 500\nid: A1:Email=1\n\n")]
    assert world.now == 25.0
    assert len(world.reads) == 26  # one consistent read on connect, then one per second


def test_buffered_mode_ends_early_with_the_first_change_even_for_closeafter_no() -> None:
    world = World({"Email": 1}, [(4.2, "Email", 2)])
    frames = run(world, ("*", "no", "0"), policy(buffered=True, max_seconds=25))
    assert [t for t, _ in frames] == [0.0, 5.0]
    assert frames[-1][1].startswith("event: state\nid: A1:Email=2\n")


def test_buffered_mode_ends_at_the_first_ping_so_it_arrives_on_time() -> None:
    world = World({"Email": 1})
    frames = run(world, ("*", "no", "10"), policy(buffered=True, ping=10, max_seconds=25))
    assert frames[-1] == (10.0, 'event: ping\ndata: {"interval":10}\n\n')


def test_buffered_mode_ends_with_a_ping_at_the_bound_when_the_interval_is_longer() -> None:
    world = World({"Email": 1})
    frames = run(world, ("*", "no", "60"), policy(buffered=True, ping=60, max_seconds=25))
    assert frames[-1] == (25.0, 'event: ping\ndata: {"interval":60}\n\n')


def test_buffered_mode_without_a_wait_answers_at_once_without_polling() -> None:
    # Given states that change a moment later
    world = World({"Email": 1}, [(0.5, "Email", 2)])
    # When a client connects in buffered mode with no wait
    frames = run(world, ("*", "no", "0"), policy(buffered=True, max_seconds=0))
    # Then it gets the retry hint and the current id at once, after the one read on connect
    assert frames == [(0.0, "retry: 500\nid: A1:Email=1\n\n")]
    assert world.reads == [(0.0, True)]


def test_buffered_mode_without_a_wait_ends_with_a_ping_when_pings_were_asked_for() -> None:
    world = World({"Email": 1})
    frames = run(world, ("*", "no", "30"), policy(buffered=True, ping=30, max_seconds=0))
    assert frames == [
        (0.0, "retry: 500\nid: A1:Email=1\n\n"),
        (0.0, 'event: ping\ndata: {"interval":30}\n\n'),
    ]


def test_buffered_mode_without_a_wait_sends_a_missed_change_and_no_ping() -> None:
    world = World({"Email": 3})
    frames = run(world, ("*", "no", "30"), policy(buffered=True, ping=30, max_seconds=0), "A1:Email=1")
    assert [chunk.split("\n")[0] for _, chunk in frames] == ["retry: 500", "event: state"]
    assert '"changed":{"A1":{"Email":"3"}}' in frames[1][1]


def test_states_given_on_connect_are_not_read_again() -> None:
    # Given the states as sign-in read them (the store has moved on since: a later poll would see it)
    world = World({"Email": 5})
    frames = run(world, ("*", "no", "0"), policy(buffered=True, max_seconds=0), initial={"Email": 4})
    # Then the connection starts from them without a read of its own
    assert frames == [(0.0, "retry: 500\nid: A1:Email=4\n\n")]
    assert world.reads == []


def test_reconnect_with_last_event_id_gets_missed_changes_at_once() -> None:
    # Given a client that last saw Email=1 and Mailbox=1, while the store has moved Email to 3
    world = World({"Email": 3, "Mailbox": 1})
    # When it reconnects with that Last-Event-ID
    frames = run(world, ("*", "state", "0"), policy(), last_event_id="A1:Email=1,Mailbox=1")
    # Then the change is sent on connect, without waiting for a poll, and the response ends
    assert [t for t, _ in frames] == [0.0, 0.0]
    assert '"changed":{"A1":{"Email":"3"}}' in frames[1][1]
    assert world.reads == [(0.0, True)]


def test_reconnect_with_current_last_event_id_sends_nothing_on_connect() -> None:
    world = World({"Email": 3})
    frames = run(world, ("*", "no", "0"), policy(buffered=True, max_seconds=3), last_event_id="A1:Email=3")
    assert frames == [(0.0, "retry: 500\nid: A1:Email=3\n\n")]


def test_another_accounts_last_event_id_is_ignored() -> None:
    world = World({"Email": 3})
    frames = run(world, ("*", "no", "0"), policy(buffered=True, max_seconds=2), last_event_id="B2:Email=1")
    assert len(frames) == 1 and "event: state" not in frames[0][1]
