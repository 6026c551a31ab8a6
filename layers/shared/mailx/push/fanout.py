"""Hand a batch of the change feed to every push path (sink), in order, with a resumable checkpoint.

Records are merged per account first (a burst of commits to one account becomes one event whose
`previous` is the state before the first and whose `states` are those after the last), so a client
gets one StateChange for a burst. Accounts are delivered in the order of their first record; when a
sink fails for one account, the checkpoint is that account's first record: every record before it
belongs to an account already delivered, so a retry from there repeats no earlier account and loses
nothing (a StateChange sent twice is harmless: it names states, not deltas).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from mailx.push.feed import Sink, StateChangeEvent
from mailx.push.stream_records import FeedRecord

logger = logging.getLogger("mailx.push.fanout")


@dataclass(frozen=True)
class Outcome:
    """What a batch did: events delivered, and the sequence number to resume from (None: all done)."""

    delivered: int
    resume_from: str | None


def coalesce(records: Sequence[FeedRecord]) -> list[tuple[str, StateChangeEvent]]:
    """One event per account, ordered by its first record, paired with that record's sequence number."""
    merged: dict[str, tuple[str, StateChangeEvent]] = {}
    for record in records:
        event = record.event
        earlier = merged.get(event.account_id)
        if earlier is None:
            merged[event.account_id] = (record.sequence_number, event)
            continue
        first, before = earlier
        merged[event.account_id] = (first, StateChangeEvent(event.account_id, event.states, before.previous))
    return list(merged.values())


def deliver(records: Sequence[FeedRecord], sinks: Sequence[Sink]) -> Outcome:
    """Give every sink each account's event; stop at the first failure and say where to resume."""
    delivered = 0
    for sequence_number, event in coalesce(records):
        for sink in sinks:
            try:
                sink([event])
            except Exception:
                logger.exception("push sink %s failed for account %s", _name(sink), event.account_id)
                return Outcome(delivered, sequence_number)
        delivered += 1
    return Outcome(delivered, None)


def _name(sink: Sink) -> str:
    return getattr(sink, "__qualname__", type(sink).__name__)
