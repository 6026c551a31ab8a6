"""RFC 8620 §7.3: event-source parameters, SSE frames and event ids (StateChange: mailx.protocol.websocket).

Pure: no I/O and no clock, so every rule here tests in microseconds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from mailx.protocol.websocket import state_change  # the one StateChange builder (§7.1), shared

# §7.3: a server may clamp `ping`, but its minimum may be no higher than 30 and its maximum no lower
# than 300.
PING_MAX_SECONDS = 300
PING_MIN_CEILING = 30


class EventSourceParamError(ValueError):
    """A malformed `types`, `closeafter` or `ping` value; the message names the parameter."""


@dataclass(frozen=True)
class EventSourceParams:
    """The parsed query of one event-source request (§7.3)."""

    types: frozenset[str] | None  # None: "*", every type
    close_after_state: bool
    ping: int  # the requested interval in seconds; 0 asks for no pings

    def wants(self, type_name: str) -> bool:
        return self.types is None or type_name in self.types


def parse_params(types: str | None, closeafter: str | None, ping: str | None) -> EventSourceParams:
    """Parse the three URI-template variables.

    An absent variable takes its most conservative meaning (`*`, `no`, `0`): the template always
    carries all three, so absence is a hand-written URL, not a client bug worth refusing. A present
    but malformed value is refused. Unknown type names are kept and simply never change: §7.3 only
    says the server pushes nothing outside the list, and new types (e.g. CalendarEvent) must not break
    older servers' clients.
    """
    return EventSourceParams(_types(types), _closeafter(closeafter), _ping(ping))


def _types(raw: str | None) -> frozenset[str] | None:
    if raw is None or raw.strip() == "*":
        return None
    names = [name.strip() for name in raw.split(",")]
    if not raw.strip() or any(not name for name in names):
        raise EventSourceParamError('types must be "*" or a comma-separated list of type names')
    if "*" in names:
        raise EventSourceParamError('types may be "*" alone, not "*" inside a list')
    return frozenset(names)


def _closeafter(raw: str | None) -> bool:
    if raw is None or raw == "no":
        return False
    if raw == "state":
        return True
    raise EventSourceParamError('closeafter must be "state" or "no"')


def _ping(raw: str | None) -> int:
    if raw is None:
        return 0
    text = raw.strip()
    if not text.isascii() or not text.isdigit():
        raise EventSourceParamError("ping must be a whole number of seconds (0 for no pings)")
    if len(text) > 9:  # beyond any interval clamp_ping grants; never int() thousands of digits
        raise EventSourceParamError(f"ping must be at most 9 digits (it is clamped to {PING_MAX_SECONDS} s)")
    return int(text)


def clamp_ping(requested: int, minimum: int) -> int:
    """The interval actually used (§7.3); 0 stays 0. MINIMUM is capped at 30 as the RFC requires."""
    if requested <= 0:
        return 0
    floor = max(1, min(minimum, PING_MIN_CEILING))
    return max(floor, min(requested, PING_MAX_SECONDS))


def frame(
    *, event: str | None = None, data: str | None = None, id_: str | None = None, retry: int | None = None
) -> str:
    """One server-sent-events block, ended by the blank line that dispatches it.

    A block with only `id:` (or only `retry:`) dispatches nothing but still sets the client's last
    event id, which the browser sends back as Last-Event-ID when it reconnects.
    """
    lines: list[str] = []
    if retry is not None:
        lines.append(f"retry: {retry}")
    if event is not None:
        lines.append(f"event: {event}")
    if id_ is not None:
        if "\n" in id_ or "\r" in id_ or "\0" in id_:
            raise ValueError("an event id cannot hold a line break or NUL")
        lines.append(f"id: {id_}")
    if data is not None:
        lines.extend(f"data: {line}" for line in data.split("\n"))
    return "\n".join(lines) + "\n\n"


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def state_frame(account_id: str, changed: Mapping[str, int], event_id: str) -> str:
    """A `state` event carrying the StateChange, with the id of the whole state it brings the client to."""
    return frame(event="state", id_=event_id, data=_json(state_change(account_id, changed)))


def ping_frame(interval: int) -> str:
    """A `ping` event; it sets no id (§7.3) and reports the interval in use."""
    return frame(event="ping", data=_json({"interval": interval}))


def encode_event_id(account_id: str, states: Mapping[str, int]) -> str:
    """An event id that encodes every state of the account (§7.3), e.g. `A1:Email=4,Mailbox=2`."""
    return f"{account_id}:" + ",".join(f"{name}={states[name]}" for name in sorted(states))


def decode_event_id(value: str | None, account_id: str) -> dict[str, int] | None:
    """The states a Last-Event-ID names, or None when it is absent, malformed or another account's."""
    if not value:
        return None
    owner, sep, body = value.strip().partition(":")
    if not sep or owner != account_id:
        return None
    states: dict[str, int] = {}
    for part in body.split(",") if body else ():
        name, eq, number = part.partition("=")
        if not eq or not name or not number.isascii() or not number.isdigit() or len(number) > 15:
            return None
        states[name] = int(number)
    return states


def changed_types(
    before: Mapping[str, int], after: Mapping[str, int], wanted: EventSourceParams
) -> dict[str, int]:
    """Wanted types whose modseq moved forward from BEFORE to AFTER (a type missing before was 0)."""
    return {
        name: value for name, value in after.items() if wanted.wants(name) and value > before.get(name, 0)
    }


class ChangeDetector:
    """Remembers the states the client has been told about and reports what moved since.

    Polls read eventually consistent copies, which may lag a newer read: a state only ever moves
    forward here, so a stale read never reports a change twice.
    """

    def __init__(self, baseline: Mapping[str, int], wanted: EventSourceParams) -> None:
        self.known = dict(baseline)
        self.wanted = wanted

    def observe(self, current: Mapping[str, int]) -> dict[str, int]:
        """Record CURRENT; return the wanted types that changed (empty when none did)."""
        changed = changed_types(self.known, current, self.wanted)
        for name, value in current.items():
            self.known[name] = max(value, self.known.get(name, 0))
        return changed

    def event_id(self, account_id: str) -> str:
        return encode_event_id(account_id, self.known)


def resume_baseline(last_seen: Mapping[str, int] | None, current: Mapping[str, int]) -> dict[str, int]:
    """Where to start detecting changes for a new connection.

    Without a usable Last-Event-ID the client is assumed current (nothing is sent on connect). With
    one, the client missed whatever moved since, and §7.3 says to send that at once. A type whose
    remembered state is ahead of the store (data restored from an older copy) cannot be compared, so it
    is treated as 0 and reported with its current state.
    """
    if last_seen is None:
        return dict(current)
    return {name: value for name, value in last_seen.items() if value <= current.get(name, 0)}
