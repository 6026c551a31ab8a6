"""RFC 8620 §7.1 StateChange objects, §7.3 SSE frames and event ids, and type filtering."""

from __future__ import annotations

import pytest

from mailx.protocol.websocket import state_change  # the StateChange every push path sends
from mailx.push.eventsource import (
    ChangeDetector,
    changed_types,
    decode_event_id,
    encode_event_id,
    frame,
    parse_params,
    ping_frame,
    resume_baseline,
    state_frame,
)


def test_state_change_object_is_the_rfc_shape() -> None:
    assert state_change("A1", {"Mailbox": 3, "EmailDelivery": 12}) == {
        "@type": "StateChange",
        "changed": {"A1": {"EmailDelivery": "12", "Mailbox": "3"}},
    }


def test_state_frame_is_one_block_with_event_id_and_json_data() -> None:
    text = state_frame("A1", {"Email": 4}, "A1:Email=4,Mailbox=2")
    assert text == (
        "event: state\n"
        "id: A1:Email=4,Mailbox=2\n"
        'data: {"@type":"StateChange","changed":{"A1":{"Email":"4"}}}\n'
        "\n"
    )


def test_ping_frame_reports_the_interval_and_sets_no_id() -> None:
    text = ping_frame(30)
    assert text == 'event: ping\ndata: {"interval":30}\n\n'
    assert "id:" not in text


def test_multi_line_data_becomes_several_data_lines() -> None:
    assert frame(event="x", data="a\nb") == "event: x\ndata: a\ndata: b\n\n"


def test_id_only_block_with_retry_hint() -> None:
    assert frame(retry=1000, id_="A1:Email=1") == "retry: 1000\nid: A1:Email=1\n\n"


def test_an_id_cannot_smuggle_a_line_break() -> None:
    with pytest.raises(ValueError):
        frame(id_="A1\ndata: x")


def test_event_id_round_trip_and_account_check() -> None:
    value = encode_event_id("A1", {"Mailbox": 2, "Email": 4})
    assert value == "A1:Email=4,Mailbox=2"
    assert decode_event_id(value, "A1") == {"Email": 4, "Mailbox": 2}
    assert decode_event_id(value, "B2") is None  # another account's id is ignored
    assert decode_event_id("A1:", "A1") == {}


@pytest.mark.parametrize("value", [None, "", "junk", "A1:Email", "A1:Email=x", "A1:=3", "A1:Email=-1"])
def test_malformed_last_event_id_is_ignored(value: str | None) -> None:
    assert decode_event_id(value, "A1") is None


def test_changed_types_keeps_only_wanted_types_that_moved_forward() -> None:
    before = {"Email": 4, "Mailbox": 2, "Thread": 3}
    after = {"Email": 5, "Mailbox": 2, "Thread": 4, "EmailDelivery": 1}
    assert changed_types(before, after, parse_params("*", "no", "0")) == {
        "Email": 5,
        "Thread": 4,
        "EmailDelivery": 1,
    }
    assert changed_types(before, after, parse_params("Email,Mailbox", "no", "0")) == {"Email": 5}
    assert changed_types(before, after, parse_params("Mailbox,Identity", "no", "0")) == {}


def test_detector_reports_each_change_once_and_ignores_stale_reads() -> None:
    detector = ChangeDetector({"Email": 4, "Mailbox": 2}, parse_params("*", "no", "0"))
    assert detector.observe({"Email": 4, "Mailbox": 2}) == {}
    assert detector.observe({"Email": 5, "Mailbox": 2}) == {"Email": 5}
    # an eventually consistent read that lags behind reports nothing, and does not move state back
    assert detector.observe({"Email": 4, "Mailbox": 2}) == {}
    assert detector.observe({"Email": 5, "Mailbox": 2}) == {}
    assert detector.event_id("A1") == "A1:Email=5,Mailbox=2"


def test_detector_remembers_unwanted_types_for_the_event_id() -> None:
    # the id encodes the entire state (§7.3), even types this connection does not push
    detector = ChangeDetector({"Email": 1, "Mailbox": 1}, parse_params("Email", "no", "0"))
    assert detector.observe({"Email": 1, "Mailbox": 2}) == {}
    assert detector.event_id("A1") == "A1:Email=1,Mailbox=2"


def test_resume_baseline() -> None:
    current = {"Email": 5, "Mailbox": 2}
    # no Last-Event-ID: the client is taken to be current, nothing is sent on connect
    assert resume_baseline(None, current) == current
    # a Last-Event-ID behind the store: the difference is what the client missed
    assert resume_baseline({"Email": 3, "Mailbox": 2}, current) == {"Email": 3, "Mailbox": 2}
    # a remembered state ahead of the store (data restored) cannot be compared: report it afresh
    assert resume_baseline({"Email": 9, "Mailbox": 2}, current) == {"Mailbox": 2}
