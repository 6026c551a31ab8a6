"""Stream records of the accounts table (the DynamoDB Streams record shape) -> change-feed events."""

from __future__ import annotations

from typing import Any

from mailx.push.stream_records import parse_record, parse_records

STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/mailx-accounts/stream/2026-12-01T00:00:00.000"


def _record(
    name: str, old: dict[str, str] | None, new: dict[str, str] | None, seq: str = "100"
) -> dict[str, Any]:
    def image(states: dict[str, str]) -> dict[str, Any]:
        return {
            "account_id": {"S": "A1"},
            "username": {"S": "alice"},
            "states": {"M": {k: {"N": v} for k, v in states.items()}},
            "quota_version": {"N": "2"},
        }

    body: dict[str, Any] = {
        "ApproximateCreationDateTime": 1796680800.0,
        "Keys": {"account_id": {"S": "A1"}},
        "SequenceNumber": seq,
        "SizeBytes": 420,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if old is not None:
        body["OldImage"] = image(old)
    if new is not None:
        body["NewImage"] = image(new)
    return {
        "eventID": "c4ca4238a0b923820dcc509a6f75849b",
        "eventName": name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": body,
        "eventSourceARN": STREAM_ARN,
    }


def test_a_modify_names_the_states_before_and_after_with_the_derived_quota() -> None:
    found = parse_record(_record("MODIFY", {"Email": "4", "Mailbox": "2"}, {"Email": "5", "Mailbox": "2"}))
    assert found is not None and found.sequence_number == "100"
    event = found.event
    assert event.account_id == "A1"
    assert dict(event.states) == {"Email": 5, "Mailbox": 2, "Quota": 7}  # Quota: Email + quota_version
    assert event.changed_types() == ["Email", "Quota"]


def test_records_that_move_no_state_and_removals_are_skipped() -> None:
    same = _record("MODIFY", {"Email": "4"}, {"Email": "4"})
    removed = _record("REMOVE", {"Email": "4"}, None)
    assert parse_record(same) is None and parse_record(removed) is None
    inserted = _record("INSERT", None, {"Email": "0"}, seq="7")
    assert [r.sequence_number for r in parse_records([same, removed, inserted])] == ["7"]
