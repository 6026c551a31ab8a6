"""The fan-out: one event per account per batch, delivered in order, resumed from the failing account."""

from __future__ import annotations

from collections.abc import Sequence

from mailx.push.fanout import coalesce, deliver
from mailx.push.feed import StateChangeEvent
from mailx.push.stream_records import FeedRecord


def _record(seq: str, account: str, before: int, after: int) -> FeedRecord:
    return FeedRecord(seq, StateChangeEvent(account, {"Email": after}, {"Email": before}))


BATCH = [_record("1", "A", 1, 2), _record("2", "B", 5, 6), _record("3", "A", 2, 3), _record("4", "C", 0, 1)]


def test_records_merge_per_account_in_order_of_their_first_record() -> None:
    merged = coalesce(BATCH)
    assert [(seq, e.account_id, dict(e.previous), dict(e.states)) for seq, e in merged] == [
        ("1", "A", {"Email": 1}, {"Email": 3}),
        ("2", "B", {"Email": 5}, {"Email": 6}),
        ("4", "C", {"Email": 0}, {"Email": 1}),
    ]


def test_every_sink_gets_every_account_and_nothing_resumes() -> None:
    seen: dict[str, list[str]] = {"one": [], "two": []}

    def sink(name: str):  # type: ignore[no-untyped-def]
        def deliver_to(events: Sequence[StateChangeEvent]) -> None:
            seen[name].extend(e.account_id for e in events)

        return deliver_to

    outcome = deliver(BATCH, (sink("one"), sink("two")))
    assert outcome.delivered == 3 and outcome.resume_from is None
    assert seen == {"one": ["A", "B", "C"], "two": ["A", "B", "C"]}


def test_a_failing_sink_resumes_from_the_first_record_of_its_account() -> None:
    delivered: list[str] = []

    def flaky(events: Sequence[StateChangeEvent]) -> None:
        for event in events:
            if event.account_id == "B":
                raise ConnectionError("API Gateway throttled")
            delivered.append(event.account_id)

    outcome = deliver(BATCH, (flaky,))
    assert outcome.resume_from == "2" and outcome.delivered == 1 and delivered == ["A"]
