"""DynamoDB Stream records of the accounts table -> StateChangeEvents (the change feed's parser).

The same dicts arrive in the push Lambda's event (the DynamoDB Streams record shape) and from
`GetRecords` on the local runtime's moto stream: attribute values are in DynamoDB's typed JSON
(`{"M": {"Email": {"N": "4"}}}`), which is all this module reads. An update that moved no type state
(a password or quota-limit change, a sign-in counter) yields no event, nor does a removed account.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mailx.push.feed import StateChangeEvent
from mailx.store import quota


@dataclass(frozen=True)
class FeedRecord:
    """One stream record's event and its sequence number (the checkpoint a partial failure reports)."""

    sequence_number: str
    event: StateChangeEvent


def _number(value: Any) -> int:
    if isinstance(value, Mapping) and "N" in value:
        return int(str(value["N"]))
    return 0


def _states(image: Mapping[str, Any] | None) -> dict[str, int]:
    """The item's `states` map plus the derived Quota state, as transactions.get_states reads them."""
    if not image:
        return {}
    raw = image.get("states", {})
    entries = raw.get("M", {}) if isinstance(raw, Mapping) else {}
    states = {str(name): _number(value) for name, value in entries.items()}
    states[quota.TYPE_NAME] = quota.derived_state(states, _number(image.get("quota_version")))
    return states


def _account_id(record: Mapping[str, Any]) -> str | None:
    keys = record.get("dynamodb", {}).get("Keys", {})
    value = keys.get("account_id", {})
    found = value.get("S") if isinstance(value, Mapping) else None
    return found if isinstance(found, str) and found else None


def parse_record(record: Mapping[str, Any]) -> FeedRecord | None:
    """The event of one record, or None when it moved no state (or is not an account item's)."""
    if record.get("eventName") not in ("INSERT", "MODIFY"):
        return None
    account_id = _account_id(record)
    body = record.get("dynamodb", {})
    if account_id is None or "NewImage" not in body:
        return None
    states = _states(body.get("NewImage"))
    previous = _states(body.get("OldImage"))
    if not body.get("NewImage", {}).get("states"):
        return None  # an account item without states yet (created, not yet bootstrapped)
    event = StateChangeEvent(account_id, states, previous)
    if previous and not event.changed_types():
        return None
    return FeedRecord(str(body.get("SequenceNumber", "")), event)


def parse_records(records: Iterable[Mapping[str, Any]]) -> list[FeedRecord]:
    """The events of a batch, in stream order."""
    found = (parse_record(record) for record in records)
    return [item for item in found if item is not None]
